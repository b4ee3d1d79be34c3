import type { Command } from 'commander';
import { deployability } from '../registry';
import { table, time } from './format';
import { withEngine } from './store';

/** Registers `sextant models list | show NAME | history NAME`: the model registry. */
export function registerModelsCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const models = program.command('models').description('list and inspect registered models');

  models
    .command('list')
    .option(...storeOption)
    .option('--filter <filter>', 'MLflow filter, e.g. "name LIKE \'churn%\'"')
    .option('--json', 'print JSON')
    .action((opts: { store: string; filter?: string; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const items = [];
        let pageToken: string | undefined;
        do {
          const page = await engine.registry.searchModels({
            ...(opts.filter ? { filter: opts.filter } : {}),
            maxResults: 1000,
            ...(pageToken ? { pageToken } : {}),
          });
          items.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        if (opts.json) return void out.write(`${JSON.stringify(items, null, 2)}\n`);
        out.write(
          `${table(
            ['NAME', 'LATEST', 'ALIASES', 'UPDATED'],
            items.map((m) => [
              m.name,
              String(Math.max(0, ...m.latestVersions.map((v) => Number(v.version)))),
              m.aliases.map((a) => `${a.alias}=v${a.version}`).join(' '),
              time(m.lastUpdatedTimestamp),
            ]),
          )}\n`,
        );
      }),
    );

  models
    .command('show <name>')
    .option(...storeOption)
    .option('--json', 'print JSON')
    .action((name: string, opts: { store: string; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const model = await engine.registry.getModel(name);
        const versions = (
          await engine.registry.searchVersions({
            filter: `name = '${name.replace(/'/g, "''")}'`,
            orderBy: ['version_number DESC'],
          })
        ).items;
        if (opts.json) return void out.write(`${JSON.stringify({ model, versions }, null, 2)}\n`);
        const lines = [
          `Model ${model.name}${model.description ? ` - ${model.description}` : ''}`,
          `  created ${time(model.creationTimestamp)}   updated ${time(model.lastUpdatedTimestamp)}`,
          ...model.tags.map((t) => `  tag ${t.key} = ${t.value}`),
          'Versions:',
          table(
            ['VERSION', 'STAGE', 'STATUS', 'ALIASES', 'DEPLOYABLE', 'FLAVORS', 'RUN', 'SOURCE'],
            versions.map((v) => {
              const verdict = deployability(v.facts);
              return [
                v.version,
                v.currentStage,
                v.status,
                v.aliases.join(' '),
                verdict.deployable ? 'yes' : `no: ${verdict.reasons[0] ?? ''}`,
                (v.facts?.flavors ?? []).join(','),
                v.runId,
                v.source,
              ];
            }),
          ),
        ];
        out.write(`${lines.join('\n')}\n`);
      }),
    );

  models
    .command('history <name>')
    .option(...storeOption)
    .option('--json', 'print JSON')
    .action((name: string, opts: { store: string; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const events = await engine.registry.history(name);
        if (opts.json) return void out.write(`${JSON.stringify(events, null, 2)}\n`);
        out.write(
          `${table(
            ['TIME', 'WHO', 'WHAT', 'VERSION', 'DETAILS', 'WHY'],
            events.map((e) => [
              time(e.time),
              e.user,
              e.kind,
              e.version ?? '',
              Object.entries(e.details)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
              e.reason ?? '',
            ]),
          )}\n`,
        );
      }),
    );
}
