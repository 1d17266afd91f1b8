// The cluster-wide halt: one switch that stops all chaos and freezes healing at once.
//
// It lives in a ConfigMap, `homeostat-halt` in the operator's namespace, rather than in a custom
// resource: an SRE can read and flip it with plain kubectl (`kubectl -n homeostat-system get cm
// homeostat-halt -o yaml`, `kubectl ... patch cm homeostat-halt -p '{"data":{"halted":"true"}}'`)
// even when Homeostat's CRDs are broken or gone, RBAC for it is ordinary, and readers watch it with
// an informer like anything else. A missing ConfigMap, or any value other than "true", means not
// halted; a halt that cannot be read is the reader's decision (the operator keeps its last view).
import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  errorMessage,
  type Informer,
  type InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
} from '../kube/index.ts';

export const HALT_CONFIGMAP = 'homeostat-halt';

export interface HaltState {
  halted: boolean;
  /** Why it was halted (or resumed). */
  reason?: string;
  /** Who flipped it last. */
  by?: string;
  /** When it entered its current state, RFC 3339. */
  since?: string;
}

export const NOT_HALTED: HaltState = Object.freeze({ halted: false });

/** Most characters kept of a reason or a name, so a status field or an event stays readable. */
const MAX_TEXT = 512;

/** The halt a ConfigMap says; anything but `halted: "true"` (any case) is "not halted". */
export function haltFromConfigMap(cm: V1ConfigMap | undefined): HaltState {
  const data = cm?.data ?? {};
  const halted = (data.halted ?? '').trim().toLowerCase() === 'true';
  const state: HaltState = { halted };
  if (data.reason) state.reason = data.reason;
  if (data.by) state.by = data.by;
  if (data.since) state.since = data.since;
  return state;
}

function configMapPath(namespace: string, name?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps${name ? `/${name}` : ''}`;
}

function clean(text: string | undefined, what: string): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t.length > MAX_TEXT) throw new Error(`the halt ${what} is too long: at most ${MAX_TEXT} characters`);
  return t || undefined;
}

/** Reads the halt from the API (for one-shot readers such as the CLI). */
export async function readHalt(client: KubeClient, namespace: string): Promise<HaltState> {
  try {
    return haltFromConfigMap(
      await client.request<V1ConfigMap>('GET', configMapPath(namespace, HALT_CONFIGMAP)),
    );
  } catch (err) {
    if (isNotFound(err)) return { ...NOT_HALTED };
    throw err;
  }
}

/** Read-modify-write with optimistic concurrency; creates the ConfigMap when it does not exist. */
async function writeHalt(
  client: KubeClient,
  namespace: string,
  next: (current: HaltState) => HaltState,
): Promise<HaltState> {
  for (let attempt = 0; ; attempt++) {
    let existing: V1ConfigMap | undefined;
    try {
      existing = await client.request<V1ConfigMap>('GET', configMapPath(namespace, HALT_CONFIGMAP));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const state = next(haltFromConfigMap(existing));
    const data: Record<string, string> = {
      halted: state.halted ? 'true' : 'false',
      reason: state.reason ?? '',
      by: state.by ?? '',
      since: state.since ?? new Date().toISOString(),
    };
    try {
      if (existing) {
        await client.request('PUT', configMapPath(namespace, HALT_CONFIGMAP), {
          body: { ...existing, data: { ...existing.data, ...data } },
        });
      } else {
        await client.request('POST', configMapPath(namespace), {
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
              name: HALT_CONFIGMAP,
              namespace,
              labels: { 'app.kubernetes.io/part-of': 'homeostat', 'app.kubernetes.io/component': 'halt' },
            },
            data,
          },
        });
      }
      return haltFromConfigMap({ data });
    } catch (err) {
      // Someone else wrote it meanwhile: read again and apply the change on top.
      if ((isConflict(err) || isAlreadyExists(err)) && attempt < 5) continue;
      throw new Error(
        `could not write the halt ConfigMap ${namespace}/${HALT_CONFIGMAP}: ${errorMessage(err)}`,
      );
    }
  }
}

/** Halts chaos and healing cluster-wide. Halting again keeps the original `since`. */
export async function setHalt(
  client: KubeClient,
  namespace: string,
  opts: { reason: string; by?: string; now?: Date },
): Promise<HaltState> {
  const reason = clean(opts.reason, 'reason');
  if (!reason) throw new Error('a halt needs a reason (who should know why nothing heals?)');
  const by = clean(opts.by, 'author');
  return writeHalt(client, namespace, (current) => ({
    halted: true,
    reason,
    ...(by ? { by } : {}),
    since: current.halted && current.since ? current.since : (opts.now ?? new Date()).toISOString(),
  }));
}

/** Lifts the halt. Resuming when not halted changes nothing but the author and reason. */
export async function clearHalt(
  client: KubeClient,
  namespace: string,
  opts: { by?: string; reason?: string; now?: Date } = {},
): Promise<HaltState> {
  const by = clean(opts.by, 'author');
  const reason = clean(opts.reason, 'reason');
  return writeHalt(client, namespace, (current) => ({
    halted: false,
    ...(reason ? { reason } : {}),
    ...(by ? { by } : {}),
    since: !current.halted && current.since ? current.since : (opts.now ?? new Date()).toISOString(),
  }));
}

/**
 * The halt as an informer sees it: one watched ConfigMap, read from the cache on every call, with a
 * callback when it flips or its reason changes (e.g. to re-evaluate every policy at once).
 */
export class HaltWatcher {
  readonly informer: Informer<V1ConfigMap>;
  private readonly listeners = new Set<(state: HaltState) => void>();
  private last: HaltState = { ...NOT_HALTED };

  constructor(factory: InformerFactory, namespace: string) {
    this.informer = factory.informer<V1ConfigMap>({
      resource: { group: '', version: 'v1', plural: 'configmaps' },
      namespace,
      fieldSelector: `metadata.name=${HALT_CONFIGMAP}`,
      name: 'halt',
    });
    // A change is a flip, or a new reason while halted; who and when alone are not news.
    const changed = () => {
      const now = this.current();
      if (now.halted === this.last.halted && (!now.halted || now.reason === this.last.reason)) return;
      this.last = now;
      for (const l of this.listeners) l(now);
    };
    this.informer.addEventHandler({ add: changed, update: changed, delete: changed });
  }

  /** The halt now, from the informer's cache. */
  current(): HaltState {
    const cms = this.informer.list();
    return haltFromConfigMap(cms.find((c) => c.metadata?.name === HALT_CONFIGMAP));
  }

  /** True once the informer has listed the ConfigMap (or its absence). */
  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  onChange(listener: (state: HaltState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
