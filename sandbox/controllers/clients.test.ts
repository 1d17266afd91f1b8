// The shared informers cache objects as plain JSON, from the list and from the watch alike.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../apiserver/index.ts';
import { Clients } from './clients.ts';
import { waitFor } from './testing/wait.ts';

let server: ApiServer;
let clients: Clients;

beforeAll(async () => {
  server = await startApiServer({ host: '127.0.0.1', port: 0 });
  clients = new Clients(server.kubeConfig(), pino({ level: 'silent' }));
});

afterAll(async () => {
  await clients.informers.stop();
  await server.close();
});

const pod = (name: string) => ({
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'img' }] },
});

describe('shared informers', () => {
  it('hold listed and watched objects as plain JSON, without managedFields', async () => {
    await clients.core.createNamespacedPod({ namespace: 'default', body: pod('listed') });
    const pods = clients.pods();
    clients.informers.start();
    await clients.informers.waitForSync(10_000);
    await clients.core.createNamespacedPod({ namespace: 'default', body: pod('watched') });
    await waitFor('the watched pod in the cache', () => pods.get('watched', 'default'));
    for (const name of ['listed', 'watched']) {
      const cached = pods.get(name, 'default')!;
      expect(Object.getPrototypeOf(cached)).toBe(Object.prototype);
      expect(typeof cached.metadata!.creationTimestamp).toBe('string');
      expect(cached.metadata!.managedFields).toBeUndefined();
      const stored = await clients.dynamic.listPath('/api/v1/namespaces/default/pods');
      const same = stored.items.find((p) => p.metadata?.name === name) as any;
      expect(cached.metadata!.creationTimestamp).toBe(same.metadata.creationTimestamp);
      expect(cached.spec).toEqual(same.spec);
    }
  });
});
