// Public surface of the TF.js runtime: initialise once, learn which backend is in use.
export { type InitTfOptions, initTf, type TfBackendName, type TfRuntime } from './tf-runtime.ts';
