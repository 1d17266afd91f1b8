// What every action needs: API clients that all go through one KubeClient (so each call is rate
// limited and counted by its ApiCallMetrics), the field manager its writes are attributed to, a
// clock, and per-call request options (the caller's abort signal).
import {
  AppsV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { callOptions, type KubeClient } from '../../kube/index.ts';

export interface ApiClients {
  client: KubeClient;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
}

export function apiClients(client: KubeClient): ApiClients {
  return {
    client,
    core: client.api(CoreV1Api),
    apps: client.api(AppsV1Api),
    policy: client.api(PolicyV1Api),
  };
}

export interface ActionContext extends ApiClients {
  fieldManager: string;
  /** How often a write is retried after the object changed underneath it for unrelated reasons. */
  maxConflictRetries: number;
  now(): Date;
  signal: AbortSignal | undefined;
  /** Request options for generated API calls. */
  call: ConfigurationOptions;
  /** Request options for PATCH calls whose body is an RFC 6902 JSON patch. */
  jsonPatch: ConfigurationOptions;
}

export function actionContext(
  clients: ApiClients,
  settings: { fieldManager: string; maxConflictRetries: number; now: () => Date },
  signal: AbortSignal | undefined,
): ActionContext {
  const call = callOptions(signal ? { signal } : {});
  return {
    ...clients,
    ...settings,
    signal,
    call,
    jsonPatch: setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, call),
  };
}

/** One RFC 6902 operation. */
export type JsonPatchOp =
  | { op: 'test' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };
