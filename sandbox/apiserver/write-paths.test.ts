// The write paths share unchanged parts of an object with its stored version and reuse stored
// managedFields encodings instead of copying and re-encoding them. What they store must be what a
// fresh copy would give: these tests compare against the deep-copying field manager.
import { describe, expect, it } from 'vitest';
import { builtinType } from './patch/builtin-types.ts';
import { updateManagedFields } from './patch/managed-fields.ts';
import { ResourceRegistry } from './resources.ts';
import { Rest, type WriteOptions } from './rest.ts';
import { Store } from './store.ts';

const registry = new ResourceRegistry();
const pods = registry.get('', 'v1', 'pods')!;
const namespaces = registry.get('', 'v1', 'namespaces')!;
const as = (fieldManager: string): WriteOptions => ({
  dryRun: false,
  fieldValidation: 'Strict',
  fieldManager,
});

function setup() {
  const rest = new Rest(new Store());
  rest.create(namespaces, undefined, { metadata: { name: 'ns' } }, as('test'));
  rest.create(
    pods,
    'ns',
    {
      metadata: { name: 'p', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'img', ports: [{ containerPort: 80 }] }] },
    },
    as('kubectl'),
  );
  return rest;
}

const status = (ready: boolean) => ({
  status: {
    phase: 'Running',
    podIP: '127.10.0.1',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  },
});

describe('status patches', () => {
  it('store the managedFields the copying field manager computes, and leave the spec alone', () => {
    const rest = setup();
    for (const ready of [false, true]) {
      const before = rest.get(pods, 'ns', 'p');
      const res = rest.patch(pods, 'ns', 'p', 'merge', status(ready), as('kubelet'), 'status');
      const after = rest.get(pods, 'ns', 'p');
      expect(res.obj).toEqual(after);
      expect(after.spec).toEqual(before.spec);
      expect(after.status.conditions[0].status).toBe(ready ? 'True' : 'False');
      const expected = updateManagedFields(before, after, {
        manager: 'kubelet',
        apiVersion: 'v1',
        kind: 'Pod',
        type: builtinType('Pod')!,
        subresource: 'status',
        resetFields: ['spec'],
        now: new Date(),
      }) as any;
      const withoutTimes = (m: any[]) => m.map(({ time: _t, ...rest }) => rest);
      expect(withoutTimes(after.metadata.managedFields)).toEqual(
        withoutTimes(expected.metadata.managedFields),
      );
      expect(after.metadata.managedFields.map((m: any) => m.manager).sort()).toEqual(['kubectl', 'kubelet']);
    }
  });

  it('that change nothing keep the resourceVersion, and spec sent to status is ignored', () => {
    const rest = setup();
    rest.patch(pods, 'ns', 'p', 'merge', status(true), as('kubelet'), 'status');
    const rv = rest.get(pods, 'ns', 'p').metadata.resourceVersion;
    rest.patch(pods, 'ns', 'p', 'merge', status(true), as('kubelet'), 'status');
    expect(rest.get(pods, 'ns', 'p').metadata.resourceVersion).toBe(rv);
    rest.patch(
      pods,
      'ns',
      'p',
      'merge',
      { spec: { containers: [{ name: 'c', image: 'other' }] }, ...status(false) },
      as('kubelet'),
      'status',
    );
    const after = rest.get(pods, 'ns', 'p');
    expect(after.spec.containers[0].image).toBe('img');
    expect(after.status.conditions[0].status).toBe('False');
    expect(after.metadata.resourceVersion).not.toBe(rv);
  });
});

describe('patches of the main resource', () => {
  it('move ownership of a changed field to the patching manager', () => {
    const rest = setup();
    rest.patch(
      pods,
      'ns',
      'p',
      'json',
      [{ op: 'replace', path: '/metadata/labels/app', value: 'api' }],
      as('bench'),
    );
    const mf = rest.get(pods, 'ns', 'p').metadata.managedFields;
    const owner = (m: string) => mf.find((e: any) => e.manager === m)?.fieldsV1;
    expect(owner('bench')).toEqual({ 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    // kubectl keeps the labels map it created, not the label that changed.
    expect(owner('kubectl')['f:metadata']).toEqual({ 'f:labels': {} });
    expect(owner('kubectl')['f:spec']).toBeDefined();
  });

  it('delete hands back the final object, and the store no longer has it', () => {
    const rest = setup();
    const res = rest.delete(pods, 'ns', 'p', { gracePeriodSeconds: 0 }, as('test'));
    expect(res.obj.metadata.name).toBe('p');
    expect(() => rest.get(pods, 'ns', 'p')).toThrow(/not found/);
  });
});
