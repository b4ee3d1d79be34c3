import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { publishServer, readServerFile, SERVER_FILE } from './serverFile';

const CHECK_MS = 50;

function tempStore(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-serverfile-'));
}

/** Another process that answers `/health` (or, with `answer: false`, only stays alive). */
async function otherServer(answer: boolean): Promise<{ child: ChildProcess; url: string }> {
  const program = answer
    ? "const s=require('http').createServer((q,r)=>r.end('OK')).listen(0,'127.0.0.1',()=>console.log(s.address().port))"
    : 'console.log(1); setInterval(()=>{},1000)';
  const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = answer ? Number(chunk.toString().trim()) : await closedPort();
  return { child, url: `http://127.0.0.1:${port}` };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function writeFile(store: string, url: string, pid: number): void {
  fs.writeFileSync(path.join(store, SERVER_FILE), JSON.stringify({ url, pid }));
}

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('publishes when the store has no server.json, and remove deletes it', () => {
  const store = tempStore();
  const published = publishServer(store, 'http://127.0.0.1:1111', { checkMs: CHECK_MS });
  assert.equal(published.publishing, true);
  assert.deepEqual(readServerFile(store), { url: 'http://127.0.0.1:1111', pid: process.pid });
  published.remove();
  assert.equal(fs.existsSync(path.join(store, SERVER_FILE)), false);
});

test('replaces a server.json whose process is gone', () => {
  const store = tempStore();
  writeFile(store, 'http://127.0.0.1:9', 2 ** 22 + 12345);
  const published = publishServer(store, 'http://127.0.0.1:2222', { checkMs: CHECK_MS });
  assert.equal(published.publishing, true);
  assert.equal(readServerFile(store)?.url, 'http://127.0.0.1:2222');
  published.remove();
});

test("never moves a live server's kernels; takes over once that process is gone", async () => {
  const store = tempStore();
  const other = await otherServer(true);
  try {
    writeFile(store, other.url, other.child.pid!);
    const published = publishServer(store, 'http://127.0.0.1:3333', { checkMs: CHECK_MS });
    assert.equal(published.publishing, false);
    await new Promise((resolve) => setTimeout(resolve, CHECK_MS * 5));
    assert.equal(readServerFile(store)?.url, other.url, 'a live, answering server stays published');
    published.remove();
    assert.equal(readServerFile(store)?.url, other.url, "remove leaves another process's file");

    const second = publishServer(store, 'http://127.0.0.1:4444', { checkMs: CHECK_MS });
    other.child.kill('SIGKILL');
    await until(() => readServerFile(store)?.url === 'http://127.0.0.1:4444');
    assert.equal(second.publishing, true);
    second.remove();
  } finally {
    other.child.kill('SIGKILL');
  }
});

test('takes over from a live process whose published server does not answer (a reused pid)', async () => {
  const store = tempStore();
  const other = await otherServer(false);
  try {
    writeFile(store, other.url, other.child.pid!);
    const published = publishServer(store, 'http://127.0.0.1:5555', { checkMs: CHECK_MS });
    assert.equal(published.publishing, false);
    await until(() => readServerFile(store)?.url === 'http://127.0.0.1:5555');
    assert.equal(published.publishing, true);
    published.remove();
  } finally {
    other.child.kill('SIGKILL');
  }
});
