import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { offThreadOutput } from './offThreadOutput';

describe('output written from the thread pool', () => {
  it('delivers everything written to a pipe, in order, before close resolves', () => {
    const script = `
      const { offThreadOutput } = require(${JSON.stringify(require.resolve('./offThreadOutput'))});
      const out = offThreadOutput(process.stdout, 1);
      if (out.stream === process.stdout) throw new Error('a pipe is written off the main thread');
      for (let i = 0; i < 20000; i++) out.stream.write('line ' + i + '\\n');
      out.close().then(() => process.exit(0));
    `;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 20000, 'nothing lost though the process exits at once');
    lines.forEach((line, i) => assert.equal(line, `line ${i}`));
  });

  it('loses nothing when the reader falls behind and the pipe fills', async () => {
    const script = `
      const { offThreadOutput } = require(${JSON.stringify(require.resolve('./offThreadOutput'))});
      const out = offThreadOutput(process.stdout, 1);
      for (let i = 0; i < 20000; i++) out.stream.write('line ' + i + '\\n');
      out.close().then(() => process.exit(0));
    `;
    const child = spawn(process.execPath, ['-e', script]);
    child.stdout.pause();
    let text = '';
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    const lines = text.split('\n').filter(Boolean);
    assert.equal(lines.length, 20000, 'a full pipe is waited for, not dropped');
    lines.forEach((line, i) => assert.equal(line, `line ${i}`));
  });

  it('leaves a stream that is not the process output as it is', async () => {
    const stream = new PassThrough();
    const out = offThreadOutput(stream, 2);
    assert.equal(out.stream, stream);
    await out.close();
  });
});
