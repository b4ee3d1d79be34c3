/**
 * A JSON door to Sextant's statistics for the SciPy/statsmodels/Evidently parity tests
 * (test/compat/test_stats_parity.py, test_evidently_parity.py): reads a list of calls
 * `{ "op": ..., ...args }` on stdin and writes their results, in order, as one JSON array. In
 * sample arrays, null stands for a missing value.
 */
import {
  columnDrift,
  columnQuality,
  driftReport,
  jensenShannon,
  ksTwoSample,
  wasserstein,
  type ColumnSpec,
  type ColumnValues,
} from '@sextant/core/dist/monitoring/index';
import {
  cohensH,
  meanSummary,
  msprtMeans,
  proportionSummary,
  solveSampleSize,
  twoProportionZTest,
  welchTTest,
  zTestPower,
} from '@sextant/core/dist/online/index';

type Call = Record<string, unknown> & { op: string };

/** Numbers of a sample: null is missing (NaN), "Infinity" and "-Infinity" are themselves. */
const numbers = (v: unknown): Float64Array =>
  Float64Array.from(v as (number | string | null)[], (x) => (x === null ? Number.NaN : Number(x)));
const isNumber = (x: unknown): boolean =>
  x === null || typeof x === 'number' || x === 'Infinity' || x === '-Infinity';
const sorted = (v: unknown): Float64Array => numbers(v).sort();
const values = (v: unknown): ColumnValues =>
  (v as unknown[]).every(isNumber) ? numbers(v) : (v as ColumnValues);
const columns = (v: unknown): Record<string, ColumnValues> =>
  Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, values(x)]));

function run(call: Call): unknown {
  const n = (key: string): number => call[key] as number;
  switch (call.op) {
    case 'ztest': {
      const [cx, cn] = call.control as [number, number];
      const [tx, tn] = call.treatment as [number, number];
      return twoProportionZTest(proportionSummary(cx, cn), proportionSummary(tx, tn), n('alpha'));
    }
    case 'welch':
      return welchTTest(
        meanSummary(numbers(call.control)),
        meanSummary(numbers(call.treatment)),
        n('alpha'),
      );
    case 'msprt':
      return msprtMeans(meanSummary(numbers(call.control)), meanSummary(numbers(call.treatment)), {
        alpha: n('alpha'),
        mixingSd: n('mixingSd'),
      });
    case 'power':
      return zTestPower(n('effect'), n('n1'), n('alpha'), n('ratio'));
    case 'solve':
      return solveSampleSize(n('effect'), n('alpha'), n('power'), n('ratio'));
    case 'cohensH':
      return cohensH(n('p1'), n('p2'));
    case 'ks':
      return ksTwoSample(sorted(call.a), sorted(call.b));
    case 'wasserstein':
      return wasserstein(sorted(call.a), sorted(call.b));
    case 'jensenshannon':
      return jensenShannon(numbers(call.p), numbers(call.q));
    case 'drift':
      return columnDrift(call.spec as ColumnSpec, values(call.reference), values(call.current));
    case 'report':
      return driftReport(
        columns(call.reference),
        columns(call.current),
        call.columns as ColumnSpec[],
        (call.driftShare as number | undefined) ?? 0.5,
      );
    case 'quality':
      return columnQuality(call.spec as ColumnSpec, values(call.reference), values(call.current));
    default:
      throw new Error(`unknown op '${call.op}'`);
  }
}

// Loaded by `node --test` (which runs every file under test/dist), it has nothing to answer.
if (process.env.NODE_TEST_CONTEXT) process.exit(0);

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', () => {
  const calls = JSON.parse(input) as Call[];
  const out = calls.map((call) => {
    try {
      return run(call);
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
  process.stdout.write(
    JSON.stringify(out, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    ),
  );
});
