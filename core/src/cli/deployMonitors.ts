import type { Engine } from '../engine';
import type { DeploymentSpec, RunningDeployment } from '../serving';

/**
 * Starts the monitors of sextant.yaml whose deployments this process serves: each checks its
 * closed windows every `every`, its gauges at the deployment's `/metrics`, its alerts printed.
 * Scheduled monitoring lives here, in `sextant deploy up`, because this process lasts as long
 * as the deployment's traffic and owns its `/metrics`.
 */
export async function startMonitors(
  engine: Engine,
  file: string,
  running: readonly { spec: DeploymentSpec; deployment: RunningDeployment }[],
  out: NodeJS.WritableStream,
): Promise<{ stop(): void }> {
  const { MonitorScheduler, readMonitoring } = await import('../monitoring/index.js');
  const spec = readMonitoring(file);
  const schedulers: InstanceType<typeof MonitorScheduler>[] = [];
  for (const r of running) {
    const monitors = spec.monitors.filter((m) => m.deployment === r.spec.name);
    if (monitors.length === 0) continue;
    const scheduler = new MonitorScheduler(engine.monitoring, monitors, spec.alerts, {
      registry: r.deployment.metrics,
      onAlert: (event) =>
        out.write(
          `Alert ${event.rule} ${event.state} (${event.severity}) on ${event.deployment}: ${String(event.evidence.metric)} = ${event.value ?? 'n/a'}, threshold ${event.threshold}\n`,
        ),
      onWindow: (result) => {
        if (result.problem)
          process.stderr.write(`sextant monitor ${result.window.monitor}: ${result.problem}\n`);
      },
      onError: (monitor, error) =>
        process.stderr.write(`sextant monitor ${monitor}: ${error.message}\n`),
    });
    scheduler.start();
    schedulers.push(scheduler);
    out.write(`Monitoring ${r.spec.name}: ${monitors.map((m) => m.name).join(', ')}\n`);
  }
  return { stop: () => schedulers.forEach((s) => s.stop()) };
}
