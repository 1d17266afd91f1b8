import { describe, expect, it } from 'vitest';
import { builtinPatchStrategies } from './builtin-types.ts';
import { FieldSet } from './field-set.ts';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  type FieldManagerOptions,
  type ManagedFieldsEntry,
  type Managers,
  managerIdentifier,
  revertManagedFieldsTimestamps,
  updateManagedFields,
} from './managed-fields.ts';
import { compare, toFieldSet } from './typed-value.ts';

const Deployment = builtinPatchStrategies.Deployment;
const T0 = new Date('2025-01-02T03:04:05.678Z');
const T1 = new Date('2025-01-02T04:00:00Z');

function opts(manager: string, extra: Partial<FieldManagerOptions> = {}): FieldManagerOptions {
  return { manager, apiVersion: 'apps/v1', kind: 'Deployment', type: Deployment, now: T0, ...extra };
}

type Obj = Record<string, any>;

/** What `kubectl create deployment nginx --image=nginx` stores once defaulted. */
function createdDeployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always', resources: {} }],
          restartPolicy: 'Always',
          securityContext: {},
        },
      },
    },
    status: {},
  };
}

function managedFields(obj: Obj): ManagedFieldsEntry[] {
  return obj.metadata.managedFields;
}

describe('updateManagedFields on create', () => {
  it('records what the creator set in kube’s FieldsV1 shape', () => {
    const stored = updateManagedFields(undefined, createdDeployment(), opts('kubectl-create'));
    expect(managedFields(stored)).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2025-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:strategy': {
              'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} },
              'f:type': {},
            },
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:imagePullPolicy': {},
                    'f:name': {},
                    'f:resources': {},
                  },
                },
                'f:restartPolicy': {},
                'f:securityContext': {},
              },
            },
          },
        },
      },
    ]);
    expect(stored.spec).toEqual(createdDeployment().spec);
  });

  it('gives custom resources "." on every new object, as their empty value has none', () => {
    const type = {
      kind: 'struct' as const,
      fields: { spec: { type: { kind: 'struct' as const, fields: {} } } },
      undeclared: 'entry' as const,
    };
    const stored = updateManagedFields(
      undefined,
      { apiVersion: 'x.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } },
      { ...opts('kubectl-create'), apiVersion: 'x.io/v1', kind: 'Widget', type },
    );
    expect(managedFields(stored)[0].fieldsV1).toEqual({ 'f:spec': { '.': {}, 'f:size': {} } });
  });

  it('uses "unknown" when the client names no manager', () => {
    const stored = updateManagedFields(undefined, createdDeployment(), opts(''));
    expect(managedFields(stored)[0].manager).toBe('unknown');
  });
});

describe('updateManagedFields on update', () => {
  const created = () => updateManagedFields(undefined, createdDeployment(), opts('kubectl-create'));

  it('moves ownership of changed fields to the writer', () => {
    const live = created();
    const next = structuredClone(live);
    next.spec.replicas = 3;
    next.metadata.labels.tier = 'web';
    const stored = updateManagedFields(live, next, opts('kubectl-scale', { now: T1 }));
    const [create, scale] = managedFields(stored);
    expect(create.manager).toBe('kubectl-create');
    expect(create.time).toBe('2025-01-02T03:04:05Z');
    expect(create.fieldsV1!['f:spec']).not.toHaveProperty('f:replicas');
    expect(scale).toEqual({
      manager: 'kubectl-scale',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2025-01-02T04:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } }, 'f:spec': { 'f:replicas': {} } },
    });
  });

  it('takes removed fields away from their owners', () => {
    const live = created();
    const next = structuredClone(live);
    delete next.spec.strategy.rollingUpdate;
    const stored = updateManagedFields(live, next, opts('editor', { now: T1 }));
    expect(managedFields(stored)).toHaveLength(1);
    expect(managedFields(stored)[0].fieldsV1!['f:spec']).toMatchObject({ 'f:strategy': { 'f:type': {} } });
    expect((managedFields(stored)[0].fieldsV1!['f:spec'] as any)['f:strategy']).not.toHaveProperty(
      'f:rollingUpdate',
    );
  });

  it('records nothing, and keeps the times, when nothing changes', () => {
    const live = created();
    const stored = updateManagedFields(live, structuredClone(live), opts('other', { now: T1 }));
    expect(managedFields(stored)).toEqual(managedFields(live));
  });

  it('merges repeated writes by one manager into one entry', () => {
    let live = created();
    for (const replicas of [2, 3]) {
      const next = structuredClone(live);
      next.spec.replicas = replicas;
      next.spec.paused = replicas === 3;
      live = updateManagedFields(live, next, opts('hpa', { now: T1 }));
    }
    const hpa = managedFields(live).filter((e) => e.manager === 'hpa');
    expect(hpa).toHaveLength(1);
    expect(hpa[0].fieldsV1).toEqual({ 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
  });

  it('keeps entries of different subresources apart and ignores reset fields', () => {
    const live = created();
    const next = structuredClone(live);
    next.status = { replicas: 1, readyReplicas: 1 };
    next.spec.replicas = 5;
    const stored = updateManagedFields(
      live,
      next,
      opts('kube-controller-manager', { subresource: 'status', resetFields: ['spec'], now: T1 }),
    );
    const entry = managedFields(stored).find((e) => e.manager === 'kube-controller-manager')!;
    expect(entry.subresource).toBe('status');
    expect(entry.fieldsV1).toEqual({ 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } });
    // The creator still owns spec.replicas: the status writer could not have changed it.
    expect(managedFields(stored)[0].fieldsV1!['f:spec']).toHaveProperty('f:replicas');
  });

  it('lets a request replace managedFields, or clear them with [] or [{}]', () => {
    const live = created();
    for (const reset of [[], [{}]]) {
      const next = structuredClone(live);
      next.metadata.uid = 'u1';
      next.metadata.managedFields = reset;
      const liveWithUid = { ...live, metadata: { ...live.metadata, uid: 'u1' } };
      expect(updateManagedFields(liveWithUid, next, opts('x')).metadata).not.toHaveProperty('managedFields');
    }
    const next = structuredClone(live);
    next.metadata.managedFields = [
      {
        manager: 'mine',
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
    ];
    const stored = updateManagedFields(live, next, opts('x'));
    expect(managedFields(stored).map((e) => e.manager)).toEqual(['mine']);
  });

  it('ignores managedFields sent to a subresource', () => {
    const live = created();
    const next = structuredClone(live);
    next.metadata.managedFields = [];
    const stored = updateManagedFields(live, next, opts('x', { subresource: 'status' }));
    expect(managedFields(stored)).toEqual(managedFields(live));
  });

  it('does not start tracking an existing object that has no managedFields', () => {
    const live: Obj = { ...createdDeployment(), metadata: { ...createdDeployment().metadata, uid: 'u1' } };
    const next = structuredClone(live);
    next.spec.replicas = 4;
    expect(updateManagedFields(live, next, opts('x')).metadata).not.toHaveProperty('managedFields');
  });

  it('drops managedFields rather than fail when the object cannot be typed', () => {
    const live = created();
    const next = structuredClone(live);
    next.spec.template.spec.containers.push({ image: 'no-name' });
    expect(updateManagedFields(live, next, opts('x')).metadata).not.toHaveProperty('managedFields');
  });

  it('tracks duplicated list entries as one', () => {
    const live = created();
    const next = structuredClone(live);
    next.spec.template.spec.containers[0].env = [
      { name: 'A', value: '1' },
      { name: 'A', value: '2' },
    ];
    const stored = updateManagedFields(live, next, opts('dup', { now: T1 }));
    const dup = managedFields(stored).find((e) => e.manager === 'dup')!;
    expect(dup.fieldsV1).toEqual({
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"nginx"}': { 'f:env': { '.': {}, 'k:{"name":"A"}': {} } } },
          },
        },
      },
    });
  });
});

describe('encoding', () => {
  it('sorts entries by operation, time and manager, and round-trips', () => {
    const entry = (manager: string, operation: 'Apply' | 'Update', time: string): ManagedFieldsEntry => ({
      manager,
      operation,
      apiVersion: 'apps/v1',
      time,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    const entries = [
      entry('b', 'Update', '2025-01-01T00:00:02Z'),
      entry('a', 'Update', '2025-01-01T00:00:02Z'),
      entry('z', 'Update', '2025-01-01T00:00:01Z'),
      entry('kubectl', 'Apply', '2025-01-01T00:00:09Z'),
    ];
    const encoded = encodeManagedFields(decodeManagedFields(entries))!;
    expect(encoded.map((e) => e.manager)).toEqual(['kubectl', 'z', 'a', 'b']);
    expect(encoded[0]).toEqual(entries[3]);
  });

  it.each([
    [
      [{ operation: 'Patch', apiVersion: 'v1', fieldsType: 'FieldsV1' }],
      'operation must be `Apply` or `Update`',
    ],
    [[{ operation: 'Update', fieldsType: 'FieldsV1' }], 'apiVersion must not be empty'],
    [[{ operation: 'Update', apiVersion: 'v1' }], 'missing fieldsType in managed fields entry 0'],
    [
      [{ operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV2' }],
      'invalid fieldsType "FieldsV2" in managed fields entry 0',
    ],
  ])('rejects malformed entries %j', (entries, message) => {
    expect(() => decodeManagedFields(entries)).toThrow(message);
  });

  it('identifies appliers without their apiVersion and updaters with it', () => {
    expect(managerIdentifier({ manager: 'k', operation: 'Apply', apiVersion: 'apps/v1' })).toBe(
      '{"manager":"k","operation":"Apply"}',
    );
    expect(
      managerIdentifier({ manager: 'k', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status' }),
    ).toBe('{"manager":"k","operation":"Update","apiVersion":"apps/v1","subresource":"status"}');
  });
});

describe('capUpdateManagers', () => {
  it('folds the oldest updaters into ancient-changes beyond ten', () => {
    const managers: Managers = new Map();
    for (let i = 0; i < 12; i++) {
      const m = {
        manager: `m${String(i).padStart(2, '0')}`,
        operation: 'Update' as const,
        apiVersion: 'apps/v1',
        time: `2025-01-01T00:00:${String(i).padStart(2, '0')}Z`,
        set: FieldSet.fromPaths([[{ field: 'spec' }, { field: `f${i}` }]]),
      };
      managers.set(managerIdentifier(m), m);
    }
    const capped = capUpdateManagers(managers);
    const names = [...capped.values()].map((m) => m.manager).sort();
    expect(names).toHaveLength(10);
    expect(names).toContain('ancient-changes');
    expect(names).not.toContain('m00');
    expect(names).not.toContain('m01');
    expect(names).not.toContain('m02');
    const ancient = [...capped.values()].find((m) => m.manager === 'ancient-changes')!;
    expect(ancient.set.paths()).toHaveLength(3);
  });
});

describe('typed walks', () => {
  it('compare reports added, modified and removed fields', () => {
    const a = createdDeployment();
    const b = structuredClone(a);
    b.spec.replicas = 2;
    b.spec.paused = true;
    delete b.spec.template.spec.securityContext;
    const cmp = compare(a, b, Deployment);
    expect(cmp.added.toFieldsV1()).toEqual({ 'f:spec': { 'f:paused': {} } });
    expect(cmp.modified.toFieldsV1()).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(cmp.removed.toFieldsV1()).toEqual({
      'f:spec': { 'f:template': { 'f:spec': { 'f:securityContext': {} } } },
    });
  });

  it('keys container ports by port and defaulted protocol', () => {
    const set = toFieldSet(
      { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] } } } },
      Deployment,
    );
    expect(set.toFieldsV1()).toEqual({
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"a"}': {
                '.': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });
});

describe('revertManagedFieldsTimestamps', () => {
  const entry = (manager: string, time: string, fields: Record<string, unknown> = { 'f:data': {} }) => ({
    manager,
    operation: 'Apply' as const,
    apiVersion: 'v1',
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  });
  const object = (data: Record<string, string>, entries: ManagedFieldsEntry[]) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'ns', managedFields: entries },
    data,
  });
  const OLD = '2025-01-02T03:04:05Z';
  const NEW = '2025-01-02T04:00:00Z';

  it('keeps the stored times when nothing else changed, whatever the order of entries or keys', () => {
    const stored = object({ a: '1' }, [
      entry('helm', OLD),
      entry('kubectl', OLD, { 'f:data': { 'f:b': {} } }),
    ]);
    const updated = {
      data: { a: '1' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        namespace: 'ns',
        name: 'c',
        managedFields: [entry('kubectl', OLD, { 'f:data': { 'f:b': {} } }), entry('helm', NEW)],
      },
    };
    expect(revertManagedFieldsTimestamps(updated, stored)).toEqual(stored);
  });

  it('keeps the new times when the object, the fields owned or the managers changed', () => {
    const stored = object({ a: '1' }, [entry('helm', OLD)]);
    const changedData = object({ a: '2' }, [entry('helm', NEW)]);
    expect(revertManagedFieldsTimestamps(changedData, stored)).toBe(changedData);
    const changedFields = object({ a: '1' }, [entry('helm', NEW, { 'f:data': { 'f:a': {} } })]);
    expect(revertManagedFieldsTimestamps(changedFields, stored)).toBe(changedFields);
    const newManager = object({ a: '1' }, [entry('helm', OLD), entry('other', NEW)]);
    expect(revertManagedFieldsTimestamps(newManager, stored)).toBe(newManager);
    const untracked = object({ a: '1' }, []);
    expect(revertManagedFieldsTimestamps(untracked, stored)).toBe(untracked);
  });
});
