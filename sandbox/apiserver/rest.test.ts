// Writes that change nothing are no change: kube answers them with the stored object, the same
// resourceVersion and the same managedFields times, and sends no watch event.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ResourceDescriptor, ResourceRegistry } from './resources.ts';
import { Rest, type WriteOptions } from './rest.ts';
import { Store } from './store.ts';

const T0 = new Date('2025-03-04T05:06:07Z');
const write: WriteOptions = { dryRun: false, fieldValidation: 'Strict' };
const apply = (manager: string): WriteOptions => ({ ...write, fieldManager: manager });

describe('Rest: writes that change nothing', () => {
  let store: Store;
  let rest: Rest;
  const registry = new ResourceRegistry();
  const desc = (group: string, plural: string): ResourceDescriptor => registry.get(group, 'v1', plural)!;
  const secrets = desc('', 'secrets');
  const deployments = registry.get('apps', 'v1', 'deployments')!;
  const changes: string[] = [];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    store = new Store();
    rest = new Rest(store);
    rest.create(desc('', 'namespaces'), undefined, { metadata: { name: 'ns' } }, write);
    changes.length = 0;
    for (const type of ['/secrets', 'apps/deployments'])
      store.watch(type, { onChange: (ev) => changes.push(`${ev.type} ${ev.key} ${ev.rv}`) });
  });
  afterEach(() => vi.useRealTimers());

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      },
    },
  };

  it('keeps resourceVersion and managedFields when an unchanged manifest is applied again', () => {
    const first = rest.patch(deployments, 'ns', 'web', 'apply', deployment, apply('helm')).obj;
    vi.setSystemTime(T0.getTime() + 90_000);
    const again = rest.patch(deployments, 'ns', 'web', 'apply', deployment, apply('helm')).obj;
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(again.metadata.managedFields).toEqual(first.metadata.managedFields);
    expect(changes).toEqual([`ADDED ns/web ${first.metadata.resourceVersion}`]);
  });

  it('keeps the stored times when only defaulting makes an apply a no-op', () => {
    // stringData is folded into data on every write, so the applied configuration differs from
    // the live object until defaulting runs: the field manager stamps a new time, kube reverts it.
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns' },
      stringData: { token: 'abc' },
    };
    const first = rest.patch(secrets, 'ns', 's', 'apply', secret, apply('helm')).obj;
    expect(first.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    vi.setSystemTime(T0.getTime() + 90_000);
    const again = rest.patch(secrets, 'ns', 's', 'apply', secret, apply('helm')).obj;
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(again.metadata.managedFields[0].time).toBe('2025-03-04T05:06:07Z');
    expect(changes).toHaveLength(1);
  });

  it('keeps resourceVersion for an update with the identical object and a merge patch that changes nothing', () => {
    const created = rest.create(deployments, 'ns', deployment, apply('kubectl-create')).obj;
    vi.setSystemTime(T0.getTime() + 90_000);
    const put = rest.update(deployments, 'ns', 'web', created, apply('kubectl-edit')).obj;
    expect(put.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(put.metadata.managedFields).toEqual(created.metadata.managedFields);
    const patched = rest.patch(
      deployments,
      'ns',
      'web',
      'merge',
      { spec: { replicas: 1 }, metadata: { labels: { app: 'web' } } },
      apply('kubectl-patch'),
    ).obj;
    expect(patched.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(patched.metadata.generation).toBe(1);
    expect(changes).toHaveLength(1);
  });

  it('still records a real change, with the new time', () => {
    const first = rest.patch(deployments, 'ns', 'web', 'apply', deployment, apply('helm')).obj;
    vi.setSystemTime(T0.getTime() + 90_000);
    const changed = { ...deployment, metadata: { ...deployment.metadata, labels: { app: 'web', v: '2' } } };
    const next = rest.patch(deployments, 'ns', 'web', 'apply', changed, apply('helm')).obj;
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(next.metadata.managedFields[0].time).toBe('2025-03-04T05:07:37Z');
    expect(next.metadata.generation).toBe(1);
  });

  it('takes ownership without other changes as a write, as kube does', () => {
    const first = rest.patch(deployments, 'ns', 'web', 'apply', deployment, apply('helm')).obj;
    const shared = rest.patch(deployments, 'ns', 'web', 'apply', deployment, apply('other')).obj;
    expect(Number(shared.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(shared.metadata.managedFields.map((m: any) => m.manager).sort()).toEqual(['helm', 'other']);
  });
});
