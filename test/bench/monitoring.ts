/**
 * A full drift report of an inference log against its reference: 1,000,000 current rows x 20
 * features (15 numerical, 5 categorical; 1% missing values) against a 1,000,000-row reference,
 * every column tested with Evidently's default choice (here Wasserstein and Jensen-Shannon, the
 * reference being large) and the dataset's drift decided, plus the data quality summary of every
 * column. The anchor is Evidently's `DataDriftPreset` on the same data in the same run (a Python
 * subprocess, evidently_drift.py), whose per-column scores must equal Sextant's to 1e-6.
 *
 *   node test/dist/bench/monitoring.js [--quick] [--rows N] [--reference-rows N] [--repeat R] [--strict]
 *
 * Timed on Sextant's side: `driftReport` alone, and `monitorReport` (drift, the dataset's decision
 * and every column's data quality, each column cleaned and sorted once) on columns already in memory, as the monitoring service holds a window of the log; `--repeat` times (3),
 * the median reported. On Evidently's side: `Report.run` and the snapshot's `dict()`, on
 * DataFrames already built. Also timed: `monitorWindow` against a reference prepared once with
 * `referenceProfile`, as a service that checks many windows keeps it. Wall and CPU time are both reported (CPU time is the fairer figure on
 * a machine that others are loading). Targets: Sextant's whole report < 2 s and >= 10x faster
 * than Evidently, wall time.
 */
import {
  driftReport,
  monitorReport,
  monitorWindow,
  referenceProfile,
  type ColumnSpec,
} from '@sextant/core/dist/monitoring/index';
import fs from 'node:fs';
import path from 'node:path';
import {
  ms,
  num,
  numberOption,
  printTable,
  printTargets,
  prng,
  ratio,
  runBenchmark,
  runPython,
  stats,
  type Target,
  tempDir,
  writeResults,
} from './harness';

const SEED = 20261205;
const NUMERICAL = 15;
const CATEGORICAL = 5;

interface BenchColumn extends ColumnSpec {
  categories?: string[];
}

/** Standard normal numbers from a uniform PRNG (Box-Muller). */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Generates one side's columns; the current side drifts on every third numerical and every other categorical column. */
function generate(
  rows: number,
  side: 'reference' | 'current',
  columns: BenchColumn[],
  seed: number,
): Record<string, Float64Array | string[]> {
  const random = prng(seed);
  const normal = gaussian(random);
  const out: Record<string, Float64Array | string[]> = {};
  columns.forEach((column, j) => {
    const drift = side === 'current' && j % 3 === 0 ? 0.3 : 0;
    if (column.kind === 'numerical') {
      const values = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const x =
          j % 2 === 0 ? normal() * (1 + j / 10) + j + drift : Math.exp(normal() * 0.5 + drift);
        values[i] = random() < 0.01 ? Number.NaN : x;
      }
      out[column.name] = values;
    } else {
      const k = column.categories!.length;
      const skew = side === 'current' && j % 2 === 0 ? 1.5 : 1;
      const values: string[] = new Array(rows);
      for (let i = 0; i < rows; i++)
        values[i] = column.categories![Math.floor(k * random() ** skew)]!;
      out[column.name] = values;
    }
  });
  return out;
}

/** Writes one side for the Python anchor: float64 for numerical columns, uint8 codes for categories. */
function writeSide(
  dir: string,
  side: string,
  data: Record<string, Float64Array | string[]>,
  columns: BenchColumn[],
): void {
  for (const column of columns) {
    const values = data[column.name]!;
    let bytes: Uint8Array;
    if (values instanceof Float64Array)
      bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    else {
      const index = new Map(column.categories!.map((c, i) => [c, i]));
      bytes = Uint8Array.from(values as string[], (v) => index.get(v)!);
    }
    fs.writeFileSync(path.join(dir, `${side}-${column.name}.bin`), bytes);
  }
}

runBenchmark(async (args, cleanup) => {
  const rows = numberOption(args, 'rows', args.quick ? 100_000 : 1_000_000);
  const referenceRows = numberOption(args, 'reference-rows', rows);
  const repeat = numberOption(args, 'repeat', 3);
  const columns: BenchColumn[] = [
    ...Array.from({ length: NUMERICAL }, (_, j) => ({
      name: `num_${j}`,
      kind: 'numerical' as const,
    })),
    ...Array.from({ length: CATEGORICAL }, (_, j) => ({
      name: `cat_${j}`,
      kind: 'categorical' as const,
      categories: Array.from({ length: 4 + 6 * j }, (_, k) => `c${j}_${k}`),
    })),
  ];
  process.stdout.write(
    `monitoring benchmark: ${num(rows)} current rows, ${num(referenceRows)} reference rows, ${columns.length} features\n`,
  );
  const dir = tempDir('monitoring');
  cleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const reference = generate(referenceRows, 'reference', columns, SEED);
  const current = generate(rows, 'current', columns, SEED + 1);
  writeSide(dir, 'reference', reference, columns);
  writeSide(dir, 'current', current, columns);
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify({ columns }));
  const specs: ColumnSpec[] = columns.map(({ name, kind }) => ({ name, kind }));

  // Warm-up (compiles the code paths), then the timed runs.
  monitorReport(reference, current, specs);
  const driftTimes: number[] = [];
  const totalTimes: number[] = [];
  const totalCpu: number[] = [];
  let report = driftReport(reference, current, specs);
  for (let r = 0; r < repeat; r++) {
    let started = performance.now();
    report = driftReport(reference, current, specs);
    driftTimes.push(performance.now() - started);
    started = performance.now();
    const cpu = process.cpuUsage();
    monitorReport(reference, current, specs);
    totalTimes.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    totalCpu.push((used.user + used.system) / 1000);
  }
  // A reference prepared once as a profile (as the monitoring service keeps it), each window alone.
  const profile = referenceProfile(reference, specs);
  const windowTimes: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const started = performance.now();
    monitorWindow(profile, current);
    windowTimes.push(performance.now() - started);
  }
  const sextantWindow = stats(windowTimes).p50;
  const sextantDrift = stats(driftTimes).p50;
  const sextantTotal = stats(totalTimes).p50;
  const sextantCpu = stats(totalCpu).p50;

  process.stdout.write('running Evidently (DataDriftPreset) on the same data...\n');
  const anchor = JSON.parse(await runPython('evidently_drift.py', [dir, specFile])) as {
    seconds: number;
    cpuSeconds: number;
    columns: Record<string, { method: string; score: number }>;
    share: number;
  };
  const evidentlyMs = anchor.seconds * 1000;
  const evidentlyCpuMs = anchor.cpuSeconds * 1000;

  const mismatches = report.columns.filter((c) => {
    const theirs = anchor.columns[c.column];
    return (
      !theirs ||
      theirs.method !== c.method ||
      Math.abs(theirs.score - c.score) > 1e-6 * Math.max(1, Math.abs(theirs.score))
    );
  });
  printTable(
    'Per column (Sextant = Evidently to 1e-6)',
    ['column', 'method', 'Sextant score', 'Evidently score', 'drift'],
    report.columns.map((c) => [
      c.column,
      c.method,
      c.score.toPrecision(10),
      anchor.columns[c.column]?.score.toPrecision(10) ?? '-',
      c.drifted ? 'yes' : 'no',
    ]),
  );
  printTable(
    'Full drift report',
    ['measure', 'Evidently', 'Sextant', 'ratio'],
    [
      [
        'drift (all columns + dataset decision)',
        ms(evidentlyMs),
        ms(sextantDrift),
        ratio(evidentlyMs / sextantDrift),
      ],
      [
        'drift + data quality (monitorReport)',
        ms(evidentlyMs),
        ms(sextantTotal),
        ratio(evidentlyMs / sextantTotal),
      ],
      [
        'the same against a prepared reference profile',
        ms(evidentlyMs),
        ms(sextantWindow),
        ratio(evidentlyMs / sextantWindow),
      ],
      [
        'whole report, CPU time of the process',
        ms(evidentlyCpuMs),
        ms(sextantCpu),
        ratio(evidentlyCpuMs / sextantCpu),
      ],
    ],
  );
  if (mismatches.length > 0)
    throw new Error(
      `scores differ from Evidently's on ${mismatches.map((c) => c.column).join(', ')}`,
    );
  if (Math.abs(report.driftShare - anchor.share) > 1e-12)
    throw new Error(`drift share ${report.driftShare} differs from Evidently's ${anchor.share}`);
  const targets: Target[] = [
    { name: 'whole report < 2 s', met: sextantTotal < 2000, detail: ms(sextantTotal) },
    {
      name: '>= 10x faster than Evidently',
      met: evidentlyMs / sextantTotal >= 10,
      detail: `${ratio(evidentlyMs / sextantTotal)} (Evidently ${ms(evidentlyMs)})`,
    },
  ];
  printTargets(targets);
  const file = writeResults('monitoring', {
    quick: args.quick,
    rows,
    referenceRows,
    features: columns.length,
    sextant: { driftMs: stats(driftTimes), totalMs: stats(totalTimes) },
    sextantCpuMs: stats(totalCpu),
    sextantWindowMs: stats(windowTimes),
    evidently: { ms: evidentlyMs, cpuMs: evidentlyCpuMs },
    ratio: evidentlyMs / sextantTotal,
    driftShare: report.driftShare,
    datasetDrift: report.datasetDrift,
    targets,
  });
  process.stdout.write(`\nresults: ${file}\n`);
  return targets;
});
