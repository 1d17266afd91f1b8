import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from './events.ts';

/** Records what the recorder sends; the API surface it uses is two calls. */
function fakeApi(opts: { patchFails?: number } = {}) {
  const created: CoreV1Event[] = [];
  const patched: Array<{ name: string; body: any }> = [];
  let patchFails = opts.patchFails ?? 0;
  const api = {
    async createNamespacedEvent({ body }: { body: CoreV1Event }) {
      created.push(body);
      return body;
    },
    async patchNamespacedEvent({ name, body }: { name: string; body: any }) {
      if (patchFails > 0) {
        patchFails--;
        throw Object.assign(new Error('not found'), {
          code: 404,
          body: { reason: 'NotFound', message: 'events "x" not found' },
        });
      }
      patched.push({ name, body });
      return {};
    },
  };
  return { api: api as unknown as CoreV1Api, created, patched };
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  obj: { metadata: { name: 'orders', namespace: 'shop', uid: 'u1', resourceVersion: '7' } },
};

describe('EventRecorder', () => {
  it('creates an Event naming the object, reason, type and source', async () => {
    const { api, created } = fakeApi();
    const r = new EventRecorder(api, 'deployment-controller', pino({ level: 'silent' }));
    r.normal(deployment, 'ScalingReplicaSet', 'Scaled up replica set orders-abc to 3');
    await r.flush();
    expect(created).toHaveLength(1);
    const e = created[0]!;
    expect(e.metadata?.namespace).toBe('shop');
    expect(e.metadata?.name).toMatch(/^orders\.[0-9a-f]+$/);
    expect(e).toMatchObject({
      involvedObject: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'orders',
        namespace: 'shop',
        uid: 'u1',
      },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set orders-abc to 3',
      type: 'Normal',
      source: { component: 'deployment-controller' },
      count: 1,
    });
    expect(e.firstTimestamp).toEqual(e.lastTimestamp);
  });

  it('counts repeats on the same Event, and starts a new one when that Event is gone', async () => {
    const { api, created, patched } = fakeApi();
    const r = new EventRecorder(api, 'c', pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) r.warning(deployment, 'FailedCreate', 'quota exceeded');
    await r.flush();
    expect(created).toHaveLength(1);
    expect(patched.map((p) => [p.name, p.body.count])).toEqual([
      [created[0]!.metadata!.name, 2],
      [created[0]!.metadata!.name, 3],
    ]);

    const gone = fakeApi({ patchFails: 1 });
    const r2 = new EventRecorder(gone.api, 'c', pino({ level: 'silent' }));
    r2.warning(deployment, 'FailedCreate', 'quota exceeded');
    r2.warning(deployment, 'FailedCreate', 'quota exceeded');
    await r2.flush();
    expect(gone.created).toHaveLength(2);
  });

  it('folds more than ten distinct messages for one object and reason into one combined Event', async () => {
    const { api, created, patched } = fakeApi();
    const r = new EventRecorder(api, 'c', pino({ level: 'silent' }));
    for (let i = 0; i < 25; i++) r.normal(deployment, 'SuccessfulCreate', `Created pod: orders-${i}`);
    await r.flush();
    expect(created).toHaveLength(11);
    expect(created[10]!.message).toBe('(combined from similar events): Created pod: orders-10');
    expect(patched).toHaveLength(14);
    expect(patched.at(-1)!.body).toMatchObject({
      count: 15,
      message: '(combined from similar events): Created pod: orders-24',
    });
  });
});
