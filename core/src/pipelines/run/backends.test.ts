import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import type { ComputeBackend } from '../../compute';
import { Backends } from './backends';
import { testPipeline } from './parts.testing';

const capacity = { cpu: 1, gpu: 0, memoryMb: 0 };

describe('the choice of compute backend', () => {
  it('runs a step that names no target, or local, on the local backend', async () => {
    const backends = new Backends({ storeDir: '/store', capacity });
    try {
      const pipeline = testPipeline('/ws', []);
      for (const compute of ['', 'local']) {
        const step = testStep('true', { name: 'a', compute });
        assert.deepEqual(backends.targetOf(pipeline, step), { kind: 'local' });
        assert.equal(backends.backendFor(pipeline, step), backends.local);
      }
    } finally {
      await backends.close();
    }
  });

  it('refuses a target the pipeline does not declare, or a Ray target without an address', async () => {
    const backends = new Backends({ storeDir: '/store', capacity });
    try {
      const pipeline = {
        ...testPipeline('/ws', []),
        compute: [{ name: 'cluster', kind: 'ray' as const }],
      };
      assert.throws(
        () => backends.targetOf(pipeline, testStep('true', { name: 'a', compute: 'gpu' })),
        /step 'a' names compute target 'gpu', which the pipeline does not declare/,
      );
      assert.throws(
        () => backends.backendFor(pipeline, testStep('true', { name: 'a', compute: 'cluster' })),
        /compute target 'cluster' has no address/,
      );
    } finally {
      await backends.close();
    }
  });

  it('makes one Ray backend per cluster, and takes a backend it is given first', async () => {
    const backends = new Backends({ storeDir: '/store', capacity });
    try {
      const pipeline = {
        ...testPipeline('/ws', []),
        compute: [
          { name: 'one', kind: 'ray' as const, address: 'http://127.0.0.1:1' },
          { name: 'same', kind: 'ray' as const, address: 'http://127.0.0.1:1' },
        ],
      };
      const one = backends.backendFor(pipeline, testStep('true', { compute: 'one' }));
      assert.equal(one.kind, 'ray');
      assert.equal(backends.backendFor(pipeline, testStep('true', { compute: 'same' })), one);
    } finally {
      await backends.close();
    }
    const given = { kind: 'local', execute: async () => ({ exitCode: 0 }) } as ComputeBackend;
    const custom = new Backends({ storeDir: '/store', capacity, backendFor: () => given });
    assert.equal(custom.backendFor(testPipeline('/ws', []), testStep('true')), given);
    await custom.close();
  });
});
