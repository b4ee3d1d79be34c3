import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunsCompareResult, RunSummary } from '@sextant/language-server/protocol';
import { compareToCsv, csvField } from './csv';

const run = (runId: string, runName: string): RunSummary => ({
  runId,
  runName,
  experimentId: '1',
  status: 'FINISHED',
  startTime: 0,
  endTime: 1,
  lifecycleStage: 'active',
  metrics: {},
});

const compare: RunsCompareResult = {
  runs: [run('a', 'first'), run('b', 'second, "quoted"')],
  params: [
    { key: 'lr', values: ['0.1', '0.01'], differs: true },
    { key: 'seed', values: ['1', '1'], differs: false },
  ],
  metrics: [{ key: 'loss', runs: [{ latest: 0.5, step: 3, min: 0.4, max: 1 }, null] }],
};

test('csvField quotes commas, quotes and line breaks only', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
});

test('compareToCsv writes one row per run, params then latest metrics', () => {
  assert.equal(
    compareToCsv(compare),
    'run_id,run_name,status,param.lr,param.seed,metric.loss\r\n' +
      'a,first,FINISHED,0.1,1,0.5\r\n' +
      'b,"second, ""quoted""",FINISHED,0.01,1,\r\n',
  );
});

test('compareToCsv keeps only differing params when asked', () => {
  const [header] = compareToCsv(compare, true).split('\r\n');
  assert.equal(header, 'run_id,run_name,status,param.lr,metric.loss');
});
