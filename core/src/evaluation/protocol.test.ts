import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, parseWorkerLine, WorkerProtocolError } from './protocol';

describe("the evaluation worker's protocol", () => {
  it('reads each kind of message', () => {
    assert.deepEqual(
      parseWorkerLine('{"type":"progress","stage":"predict","message":"p","fraction":0.3}'),
      {
        type: 'progress',
        stage: 'predict',
        message: 'p',
        fraction: 0.3,
      },
    );
    assert.deepEqual(parseWorkerLine('{"type":"artifact","path":"roc_curve.json"}'), {
      type: 'artifact',
      path: 'roc_curve.json',
    });
    assert.deepEqual(parseWorkerLine('{"type":"warning","message":"w"}'), {
      type: 'warning',
      message: 'w',
    });
    assert.deepEqual(parseWorkerLine('{"type":"error","message":"e"}'), {
      type: 'error',
      message: 'e',
    });
    assert.deepEqual(
      parseWorkerLine(
        '{"type":"result","rows":3,"metrics":{"accuracy_score":1},"slices":[{"column":"c","value":"a","rows":2,"metrics":{"accuracy_score":1}}]}',
      ),
      {
        type: 'result',
        rows: 3,
        metrics: { accuracy_score: 1 },
        slices: [{ column: 'c', value: 'a', rows: 2, metrics: { accuracy_score: 1 } }],
      },
    );
    assert.equal(parseWorkerLine('   '), undefined);
  });

  it('refuses lines that are no message, and artifact names that leave the output folder', () => {
    for (const line of [
      'hello from the model',
      '[1, 2]',
      '{"type":"dance"}',
      '{"type":"progress","stage":1,"message":"m"}',
      '{"type":"result","rows":1,"metrics":{"a":"x"},"slices":[]}',
      '{"type":"result","rows":1,"metrics":{},"slices":[{"column":"c"}]}',
      '{"type":"artifact","path":"../../etc/passwd"}',
      '{"type":"artifact","path":"/etc/passwd"}',
      '{"type":"artifact","path":"sub/dir.json"}',
    ]) {
      assert.throws(() => parseWorkerLine(line), WorkerProtocolError, line);
    }
  });

  it('splits chunks into lines wherever the chunks break', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('{"a":'), []);
    assert.deepEqual(splitter.push('1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(splitter.push(':2}\n\n'), ['{"b":2}', '']);
    assert.deepEqual(splitter.push('{"c":3}'), []);
    assert.deepEqual(splitter.end(), ['{"c":3}']);
    assert.deepEqual(splitter.end(), []);
  });
});
