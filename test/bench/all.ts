/**
 * Runs every benchmark, one after the other, each in its own process (so one's servers, caches
 * and garbage never weigh on the next), then prints one summary from their results files.
 *
 *   node test/dist/bench/all.js [--quick] [--strict] [--only ingest,search]
 *
 * --quick and --strict are passed on to each benchmark. Exits 1 when a benchmark failed to run
 * or its read-back checks failed, 3 under --strict when a target was missed, 0 otherwise.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  exitIfUnderTestRunner,
  parseArgs,
  printTable,
  ratio,
  RESULTS_DIR,
  type Target,
} from './harness';

const BENCHMARKS = ['ingest', 'search', 'history', 'registry'] as const;

interface Results {
  date: string;
  quick: boolean;
  headline: { what: string; mlflow: string; sextant: string; ratio: number };
  targets: Target[];
}

function runOne(name: string, args: string[]): Promise<{ code: number; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, `${name}.js`), ...args], {
      stdio: 'inherit',
    });
    child.once('exit', (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

async function main(): Promise<void> {
  exitIfUnderTestRunner();
  const args = parseArgs();
  const only = args.options
    .get('only')
    ?.split(',')
    .map((s) => s.trim());
  const names = BENCHMARKS.filter((b) => !only || only.includes(b));
  const pass = [...(args.quick ? ['--quick'] : []), ...(args.strict ? ['--strict'] : [])];
  const outcomes: { name: string; code: number; seconds: number; results?: Results }[] = [];
  for (const name of names) {
    process.stdout.write(`\n=== ${name} ${pass.join(' ')}\n`);
    const file = path.join(RESULTS_DIR, `${name}.json`);
    const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
    const { code, seconds } = await runOne(name, pass);
    const fresh = fs.existsSync(file) && fs.statSync(file).mtimeMs > before;
    outcomes.push({
      name,
      code,
      seconds,
      ...(fresh ? { results: JSON.parse(fs.readFileSync(file, 'utf8')) as Results } : {}),
    });
  }

  printTable(
    `Summary${args.quick ? ' (--quick)' : ''}`,
    ['benchmark', 'measure', 'mlflow', 'sextant', 'ratio', 'targets', 'run time'],
    outcomes.map(({ name, code, seconds, results }) => {
      if (!results)
        return [name, `FAILED (exit ${code})`, '', '', '', '', `${seconds.toFixed(0)} s`];
      const met = results.targets.filter((t) => t.met).length;
      return [
        name,
        results.headline.what,
        results.headline.mlflow,
        results.headline.sextant,
        ratio(results.headline.ratio),
        `${met}/${results.targets.length} met`,
        `${seconds.toFixed(0)} s`,
      ];
    }),
    2,
  );
  const missed = outcomes.flatMap((o) =>
    (o.results?.targets ?? [])
      .filter((t) => !t.met)
      .map((t) => `${o.name}: ${t.name} (${t.detail})`),
  );
  if (missed.length > 0)
    process.stdout.write(`\nMissed targets:\n${missed.map((m) => `  ${m}`).join('\n')}\n`);
  process.stdout.write(`\nresults: ${RESULTS_DIR}\n`);
  const failed = outcomes.some((o) => o.code === 1 || !o.results);
  process.exitCode = failed ? 1 : args.strict && missed.length > 0 ? 3 : 0;
}

void main();
