/**
 * The data behind the editor views at the scale issue 3 names, through the real language
 * server (in process, over streams): the first page of an experiment of 10,000 runs for the
 * Experiments tree (target < 300 ms), and the comparison of 50 runs with 10,000 steps each
 * (downsampled series plus the params/metrics comparison; target < 2 s). Rendering in the
 * webview comes on top and is measured by the UI test, not here.
 *
 *   node test/dist/bench/views.js [--quick] [--calls C] [--strict]
 */
import { Engine } from '@sextant/core';
import {
  MetricsHistoryRequest,
  RunsCompareRequest,
  RunsSearchRequest,
} from '@sextant/language-server/protocol';
import { startSession } from '@sextant/language-server/dist/session.testing';
import {
  ms,
  num,
  numberOption,
  printTable,
  printTargets,
  runBenchmark,
  stats,
  type Target,
  timeCalls,
  writeResults,
} from './harness';

const BASE_TS = 1_700_000_000_000;

async function populate(storeDir: string, runs: number, compared: number, steps: number) {
  const engine = Engine.open({ storeDir });
  const tracking = engine.tracking;
  const big = await tracking.createExperiment('ten-thousand');
  for (let i = 0; i < runs; i++) {
    const run = await tracking.createRun({
      experimentId: big,
      runName: `run-${i}`,
      startTime: BASE_TS + i,
    });
    await tracking.logBatch(
      run.info.runId,
      [{ key: 'acc', value: (i % 1000) / 1000, step: 0, timestamp: BASE_TS }],
      [{ key: 'lr', value: String(10 ** -(i % 4)) }],
      [],
    );
  }
  const cmp = await tracking.createExperiment('compare');
  const ids: string[] = [];
  for (let r = 0; r < compared; r++) {
    const run = await tracking.createRun({ experimentId: cmp, runName: `cmp-${r}` });
    ids.push(run.info.runId);
    await tracking.logParam(run.info.runId, { key: 'lr', value: String(0.001 * (r + 1)) });
    for (let start = 0; start < steps; start += 500) {
      const batch = [];
      for (let s = start; s < Math.min(steps, start + 500); s++) {
        const t = BASE_TS + s;
        batch.push({
          key: 'loss',
          value: Math.exp(-s / (steps / 3)) + r / 100,
          step: s,
          timestamp: t,
        });
        batch.push({ key: 'acc', value: 1 - Math.exp(-s / (steps / 4)), step: s, timestamp: t });
      }
      await tracking.logBatch(run.info.runId, batch, [], []);
    }
  }
  await engine.close();
  return { big, ids };
}

runBenchmark(async (args) => {
  const runs = numberOption(args, 'runs', args.quick ? 2000 : 10_000);
  const compared = numberOption(args, 'compared', args.quick ? 10 : 50);
  const steps = numberOption(args, 'steps', args.quick ? 2000 : 10_000);
  const calls = numberOption(args, 'calls', args.quick ? 5 : 15);

  const session = await startSession();
  try {
    process.stdout.write(`populating ${num(runs)} runs and ${compared} x ${num(steps)} steps...\n`);
    const loadStart = performance.now();
    const { big, ids } = await populate(session.sextant.storeDir, runs, compared, steps);
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const tree = stats(
      await timeCalls(calls, 2, () =>
        session.client.sendRequest(RunsSearchRequest, { experimentIds: [big], maxResults: 100 }),
      ),
    );
    const history = stats(
      await timeCalls(Math.max(3, Math.floor(calls / 3)), 1, () =>
        session.client.sendRequest(MetricsHistoryRequest, { runIds: ids, budget: 1000 }),
      ),
    );
    const compare = stats(
      await timeCalls(Math.max(3, Math.floor(calls / 3)), 1, () =>
        session.client.sendRequest(RunsCompareRequest, { runIds: ids }),
      ),
    );
    const sample = await session.client.sendRequest(MetricsHistoryRequest, {
      runIds: ids,
      budget: 1000,
    });
    const points = sample.series.reduce((sum, s) => sum + s.steps.length, 0);

    printTable(
      `Sextant language server (${num(runs)} runs; ${compared} runs x ${num(steps)} steps x 2 metrics)`,
      ['request', 'p50', 'p95'],
      [
        ['runs/search first page (100 of the experiment)', ms(tree.p50), ms(tree.p95)],
        [
          `metrics/history, ${sample.series.length} series at budget 1000`,
          ms(history.p50),
          ms(history.p95),
        ],
        ['runs/compare', ms(compare.p50), ms(compare.p95)],
        ['comparison view data (history + compare)', ms(history.p50 + compare.p50), ''],
      ],
    );
    const targets: Target[] = [
      { name: 'tree first page < 300 ms', met: tree.p50 < 300, detail: ms(tree.p50) },
      {
        name: 'comparison data < 2 s',
        met: history.p50 + compare.p50 < 2000,
        detail: `${ms(history.p50 + compare.p50)} for ${num(points)} points sent (of ${num(compared * steps * 2)} stored)`,
      },
    ];
    printTargets(targets);
    const file = writeResults('views', {
      quick: args.quick,
      config: { runs, compared, steps, calls },
      loadSeconds,
      tree,
      history,
      compare,
      pointsSent: points,
      targets,
    });
    process.stdout.write(`\nresults: ${file}\n`);
    return targets;
  } finally {
    await session.close();
  }
});
