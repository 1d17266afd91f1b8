// A list-watch cache over @kubernetes/client-node's ListWatch that survives API errors: the
// library stops on an error, this restarts it with back-off. Objects from the initial list are
// normalised to their JSON form so every cached object looks like one from the watch stream
// (timestamps as strings, not Date instances).

import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface InformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** Collection path, e.g. /api/v1/pods. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  fieldSelector?: string;
  labelSelector?: string;
  logger: Logger;
  /** Name for log lines. */
  name: string;
  onAdd?: (obj: T) => void;
  onUpdate?: (obj: T) => void;
  onDelete?: (obj: T) => void;
}

export interface RunningInformer<T extends KubernetesObject> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): ReadonlyArray<T>;
  /** Resolves after the first successful list. */
  synced: Promise<void>;
  stop(): Promise<void>;
}

export function toJsonForm<T>(obj: T): T {
  return JSON.parse(JSON.stringify(obj)) as T;
}

export function startInformer<T extends KubernetesObject>(opts: InformerOptions<T>): RunningInformer<T> {
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });
  const listFn = async () => {
    const list = await opts.list();
    failures = 0;
    const normalised = { ...list, items: list.items.map(toJsonForm) };
    // Callbacks for the listed items run after this returns; mark synced once they have.
    queueMicrotask(() => setImmediate(markSynced));
    return normalised;
  };
  const informer = new ListWatch<T>(
    opts.path,
    new Watch(opts.kc),
    listFn,
    false,
    opts.labelSelector,
    opts.fieldSelector,
  );
  // client-node swallows exceptions thrown from watch callbacks and stops the informer on one
  // thrown during a list, so a handler failure is logged here and never escapes.
  const guarded = (event: string, handler: (obj: T) => void) => (obj: T) => {
    try {
      handler(obj);
    } catch (err) {
      opts.logger.error(
        { informer: opts.name, event, object: obj.metadata?.name, err: errorText(err) },
        'informer handler failed',
      );
    }
  };
  if (opts.onAdd) informer.on('add', guarded('add', opts.onAdd));
  if (opts.onUpdate) informer.on('update', guarded('update', opts.onUpdate));
  if (opts.onDelete) informer.on('delete', guarded('delete', opts.onDelete));
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    failures++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(failures - 1, 7));
    opts.logger.warn(
      { err: errorText(err), informer: opts.name, retryInMs: delay },
      'list/watch failed; retrying',
    );
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, delay);
  });
  informer
    .start()
    .catch((err) => opts.logger.warn({ err: errorText(err), informer: opts.name }, 'informer start failed'));
  return {
    get: (name, namespace) => informer.get(name, namespace),
    list: (namespace) => informer.list(namespace),
    synced,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await informer.stop();
    },
  };
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: number; statusCode?: number; body?: unknown; message?: string };
    const code = e.code ?? e.statusCode;
    const body = typeof e.body === 'string' ? e.body : e.body ? JSON.stringify(e.body) : '';
    return [code ? `HTTP ${code}` : '', e.message ?? '', body].filter(Boolean).join(': ').slice(0, 500);
  }
  return String(err);
}

/** The HTTP status of a failed client-node call, if it was an API response. */
export function apiStatusCode(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}
