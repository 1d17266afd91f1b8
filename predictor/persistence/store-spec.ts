// Where models are kept, as the operator's --model-store and the predictor CLI's --store spell it:
// "configmap" (the operator's namespace), "configmap:<namespace>", "file:<dir>", or a directory.
import type { KubeClient } from '../../kube/index.ts';
import { ConfigMapModelStore, FileModelStore, type ModelStore } from './model-store.ts';

export type ModelStoreSpec = { kind: 'file'; dir: string } | { kind: 'configmap'; namespace?: string };

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parses a store spec; the error says which forms are accepted. */
export function parseModelStoreSpec(text: string): ModelStoreSpec {
  const s = text.trim();
  const forms = 'use "configmap", "configmap:<namespace>", "file:<dir>" or a directory';
  if (s === '') throw new Error(`the model store is empty: ${forms}`);
  if (s === 'configmap') return { kind: 'configmap' };
  if (s.startsWith('configmap:')) {
    const namespace = s.slice('configmap:'.length);
    if (!NAMESPACE.test(namespace) || namespace.length > 63)
      throw new Error(`"${namespace}" in "${s}" is not a namespace name: ${forms}`);
    return { kind: 'configmap', namespace };
  }
  if (s.startsWith('file:')) {
    const dir = s.slice('file:'.length);
    if (dir === '') throw new Error(`"${s}" names no directory: ${forms}`);
    return { kind: 'file', dir };
  }
  // "configmaps", "cm:x", "s3://…": a typo or a store we do not have, not a directory called that.
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(s);
  if (scheme || /^[a-z-]+$/.test(s)) throw new Error(`unknown model store "${s}": ${forms}`);
  return { kind: 'file', dir: s };
}

export function describeModelStore(spec: ModelStoreSpec, defaultNamespace?: string): string {
  return spec.kind === 'file'
    ? `directory ${spec.dir}`
    : `ConfigMaps in ${spec.namespace ?? defaultNamespace ?? 'the operator namespace'}`;
}

/** Opens the store; a ConfigMap store asks for a Kubernetes client only then. */
export function openModelStore(
  spec: ModelStoreSpec,
  o: { client: () => KubeClient; defaultNamespace: string },
): ModelStore {
  return spec.kind === 'file'
    ? new FileModelStore(spec.dir)
    : new ConfigMapModelStore(o.client(), spec.namespace ?? o.defaultNamespace);
}
