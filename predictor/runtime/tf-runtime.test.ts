import { describe, expect, it } from 'vitest';
import { initTf } from './index.ts';

describe('initTf', () => {
  it('starts a backend once and returns the same runtime on every call', async () => {
    const first = await initTf();
    const second = await initTf({ prefer: ['cpu'] });
    expect(second).toBe(first);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(first.backend);
    expect(first.tf.getBackend()).toBe(first.backend);
    // tfjs-node is not installable on this machine; without it the wasm backend must be the one used.
    if (first.skipped.some((s) => s.startsWith('tensorflow'))) expect(first.backend).toBe('wasm');
  });

  it('computes on the chosen backend', async () => {
    const { tf } = await initTf();
    const sum = tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().dataSync()[0]);
    expect(sum).toBe(6);
  });
});
