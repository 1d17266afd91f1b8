// One informer per (resource, namespace, selectors), shared by every controller that asks, as
// client-go's SharedInformerFactory: ten thousand pods are listed, watched and cached once.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './client.ts';
import { Informer, type InformerOptions } from './informer.ts';

/** Options every informer of the factory gets unless the request says otherwise. */
export type InformerDefaults = Omit<
  InformerOptions<KubernetesObject>,
  'resource' | 'namespace' | 'labelSelector' | 'fieldSelector' | 'name' | 'decode' | 'indexers'
>;

export class InformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly defaults: InformerDefaults = {},
  ) {}

  /**
   * The shared informer for this resource and selection. The first request creates it: its decode
   * and indexers stay (add more indexes with addIndexer); later requests get the same informer.
   */
  informer<T extends KubernetesObject>(opts: InformerOptions<T>): Informer<T> {
    const r = opts.resource;
    const key = JSON.stringify([
      r.group,
      r.version,
      r.plural,
      opts.namespace ?? '',
      opts.labelSelector ?? '',
      opts.fieldSelector ?? '',
    ]);
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(this.client, { ...(this.defaults as Partial<InformerOptions<T>>), ...opts });
      this.informers.set(key, inf);
      if (this.started && !this.stopped) inf.start();
    }
    return inf;
  }

  /** Starts every informer, and those created later at once. */
  start(): void {
    if (this.stopped) throw new Error('this informer factory was stopped');
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves when every informer created so far has synced; rejects naming those that did not. */
  async waitForSync(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const all = [...this.informers.values()];
    const results = await Promise.allSettled(all.map((i) => i.waitForSync(opts)));
    const failed = all.filter((_, i) => results[i]!.status === 'rejected').map((i) => i.name);
    if (failed.length > 0) throw new Error(`informers not synced: ${failed.join(', ')}`);
  }

  /** Stops every informer; informers created afterwards are not started. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
