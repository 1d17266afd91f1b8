// One place that brings TensorFlow.js up for the predictor. tfjs-node is fastest but cannot be
// installed everywhere, so it is loaded only when present; otherwise the wasm backend (its .wasm
// files ship in the npm package), and the plain JS cpu backend as a last resort.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface TfRuntime {
  tf: typeof tf;
  backend: TfBackendName;
  /** Why a faster backend was not used, one entry per backend tried and skipped. */
  skipped: string[];
}

export interface InitTfOptions {
  /** Backends to try, in order. Default: tfjs-node, wasm, cpu. */
  prefer?: TfBackendName[];
}

const DEFAULT_ORDER: TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

let runtime: Promise<TfRuntime> | undefined;

/**
 * Initialises TF.js once per process and reports the backend in use. Later calls return the same
 * runtime whatever their options: TF.js has one global engine, so switching per caller would make
 * one model's numbers depend on which other component happened to start first.
 */
export function initTf(options: InitTfOptions = {}): Promise<TfRuntime> {
  runtime ??= start(options.prefer ?? DEFAULT_ORDER);
  return runtime;
}

async function start(order: TfBackendName[]): Promise<TfRuntime> {
  if (order.length === 0) throw new Error('initTf: prefer must name at least one backend');
  const skipped: string[] = [];
  for (const name of order) {
    try {
      if (await tryBackend(name)) {
        await tf.ready();
        return { tf, backend: name, skipped };
      }
      skipped.push(`${name}: setBackend returned false`);
    } catch (err) {
      skipped.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(`initTf: no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

async function tryBackend(name: TfBackendName): Promise<boolean> {
  const require = createRequire(import.meta.url);
  switch (name) {
    case 'tensorflow': {
      // A variable specifier keeps bundlers and tsc from requiring the optional package.
      const specifier = '@tensorflow/tfjs-node';
      await import(specifier);
      return tf.setBackend('tensorflow');
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      wasm.setWasmPaths(`${join(dirname(pkg), 'dist')}/`);
      return tf.setBackend('wasm');
    }
    case 'cpu':
      return tf.setBackend('cpu');
    default:
      throw new Error(`unknown backend ${String(name)}`);
  }
}
