// Helpers for tests over rendered chart manifests: the pod templates of every workload kind, and
// fields that Kubernetes' own types do not know (typos that a strict API server would refuse).
import * as k8s from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import type { KubernetesManifest } from '../../charts/index.ts';

export interface PodTemplateOf {
  /** "Deployment homeostat-system/homeostat-operator" */
  owner: string;
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: any;
}

const WORKLOADS: Record<string, (o: any) => any> = {
  Deployment: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
  Pod: (o) => o,
};

export const describeObject = (o: KubernetesManifest) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Every pod template in the manifests; throws on a workload kind this helper does not know. */
export function podTemplates(objects: KubernetesManifest[]): PodTemplateOf[] {
  return objects
    .filter((o) => o.kind in WORKLOADS)
    .map((o) => {
      const t = WORKLOADS[o.kind]!(o);
      if (!t?.spec) throw new Error(`${describeObject(o)} has no pod template`);
      return { owner: describeObject(o), metadata: t.metadata ?? {}, spec: t.spec };
    });
}

/** Every container of a pod spec, init containers included. */
export const containersOf = (spec: any): any[] => [
  ...(spec.initContainers ?? []),
  ...(spec.containers ?? []),
];

/** The client-node model for an apiVersion/kind: "apps/v1" Deployment → V1Deployment. */
function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop()!;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/**
 * Paths present in `object` that Kubernetes' typed model of its kind drops: unknown or misplaced
 * fields. Undefined when client-node has no model for the kind (custom resources).
 */
export function unknownFields(object: KubernetesManifest): string[] | undefined {
  const type = modelName(object.apiVersion, object.kind);
  if (typeof (k8s as Record<string, unknown>)[type] !== 'function') return undefined;
  const roundTrip = ObjectSerializer.serialize(ObjectSerializer.deserialize(object, type, ''), type, '');
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (b === undefined) {
      out.push(path);
      return;
    }
    if (a === null || typeof a !== 'object') return;
    for (const [k, v] of Object.entries(a))
      walk(v, (b as any)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
  };
  for (const [k, v] of Object.entries(object)) walk(v, roundTrip[k], k);
  return out;
}
