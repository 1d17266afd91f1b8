import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { builtinPatchStrategies } from './builtin-types.ts';
import { type ManagedFieldsEntry, updateManagedFields } from './managed-fields.ts';
import { type ApplyOptions, serverSideApply as ssa } from './server-side-apply.ts';
import { typeFromSchema } from './types.ts';

const Deployment = builtinPatchStrategies.Deployment;
const T0 = new Date('2025-03-01T10:00:00Z');
const T1 = new Date('2025-03-01T11:00:00Z');
const T2 = new Date('2025-03-01T12:00:00Z');

type Obj = Record<string, any>;

const serverSideApply = (live: Obj | undefined, applied: Obj, opts: ApplyOptions): Obj =>
  ssa(live, applied, opts);

function applyOpts(manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    manager,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    type: Deployment,
    force: false,
    now: T0,
    ...extra,
  };
}

function config(extra: (c: Obj) => void = () => {}): Obj {
  const c: Obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
  extra(c);
  return c;
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

function entries(obj: Obj): ManagedFieldsEntry[] {
  return obj.metadata.managedFields;
}

function entry(obj: Obj, manager: string): ManagedFieldsEntry | undefined {
  return entries(obj).find((e) => e.manager === manager);
}

/** A stored object gets identity fields from the server; apply must leave them alone. */
function stored(obj: Obj): Obj {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      uid: 'uid-1',
      resourceVersion: '7',
      creationTimestamp: '2025-03-01T09:00:00Z',
    },
  };
}

describe('serverSideApply: create', () => {
  it('creates the object and records the applier’s fields', () => {
    const out = serverSideApply(undefined, config(), applyOpts('kubectl'));
    expect(out.spec.replicas).toBe(2);
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] },
    ]);
    expect(entries(out)).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2025-03-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': {
                      'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it('leaves no nulls in the object', () => {
    const out = serverSideApply(
      undefined,
      config((c) => (c.spec.paused = null)),
      applyOpts('kubectl'),
    );
    expect(JSON.stringify(out)).not.toContain('null');
    expect(out.spec).not.toHaveProperty('selector', null);
  });
});

describe('serverSideApply: re-apply', () => {
  const first = () => stored(serverSideApply(undefined, config(), applyOpts('kubectl')));

  it('is a no-op for the same configuration, keeping the time', () => {
    const live = first();
    const again = serverSideApply(live, config(), applyOpts('kubectl', { now: T1 }));
    expect(again).toEqual(live);
  });

  it('updates values and the time when the configuration changes', () => {
    const live = first();
    const out = serverSideApply(
      live,
      config((c) => (c.spec.replicas = 4)),
      applyOpts('kubectl', { now: T1 }),
    );
    expect(out.spec.replicas).toBe(4);
    expect(entry(out, 'kubectl')!.time).toBe('2025-03-01T11:00:00Z');
    expect(out.metadata.uid).toBe('uid-1');
    expect(out.metadata.resourceVersion).toBe('7');
  });

  it('removes fields the applier stops applying', () => {
    const live = first();
    const out = serverSideApply(
      live,
      config((c) => {
        delete c.metadata.labels;
        delete c.spec.template.spec.containers[0].ports;
      }),
      applyOpts('kubectl', { now: T1 }),
    );
    expect(out.metadata).not.toHaveProperty('labels');
    expect(out.spec.template.spec.containers[0]).toEqual({ name: 'web', image: 'web:1' });
  });

  it('keeps fields it stops applying when another manager also owns them', () => {
    let live = first();
    const edited = structuredClone(live);
    edited.metadata.labels.app = 'web';
    edited.metadata.labels.team = 'shop';
    live = stored(updateManagedFields(live, edited, { ...applyOpts('kubectl-label'), now: T1 }));
    // Another applier shares the app label by applying the same value.
    live = stored(
      serverSideApply(
        live,
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } } },
        applyOpts('gitops', { now: T1 }),
      ),
    );
    const out = serverSideApply(
      live,
      config((c) => delete c.metadata.labels),
      applyOpts('kubectl', { now: T2 }),
    );
    expect(out.metadata.labels).toEqual({ app: 'web', team: 'shop' });
    expect(entry(out, 'kubectl')!.fieldsV1!['f:metadata']).toBeUndefined();
  });

  it('removes list items it applied but keeps other managers’ items', () => {
    let live = first();
    live = stored(
      serverSideApply(
        live,
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'proxy:1' }] } } },
        },
        applyOpts('mesh', { now: T1 }),
      ),
    );
    expect(live.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['web', 'sidecar']);
    const out = serverSideApply(
      live,
      config((c) => (c.spec.template.spec.containers = [{ name: 'api', image: 'api:1' }])),
      applyOpts('kubectl', { now: T2 }),
    );
    // Live-only items keep their place ahead of new ones (structured-merge-diff's list merge).
    expect(out.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['sidecar', 'api']);
  });
});

describe('serverSideApply: conflicts', () => {
  function scaledByEditor(): Obj {
    const live = stored(serverSideApply(undefined, config(), applyOpts('kubectl')));
    const edited = structuredClone(live);
    edited.spec.replicas = 5;
    return stored(updateManagedFields(live, edited, { ...applyOpts('kubectl-edit'), now: T1 }));
  }

  it('refuses to change a value another manager owns, naming field and manager', () => {
    const err = apiError(() =>
      serverSideApply(
        scaledByEditor(),
        config((c) => (c.spec.replicas = 3)),
        applyOpts('kubectl', { now: T2 }),
      ),
    );
    expect(err.code).toBe(409);
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
    );
    expect(err.details?.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-edit" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
  });

  it('reports several conflicts grouped by manager', () => {
    const live = scaledByEditor();
    const edited = structuredClone(live);
    edited.spec.template.spec.containers[0].image = 'web:hotfix';
    const live2 = stored(updateManagedFields(live, edited, { ...applyOpts('kubectl-set'), now: T1 }));
    const err = apiError(() =>
      serverSideApply(
        live2,
        config((c) => {
          c.spec.replicas = 3;
          c.spec.template.spec.containers[0].image = 'web:2';
        }),
        applyOpts('kubectl', { now: T2 }),
      ),
    );
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n' +
        'conflicts with "kubectl-set" using apps/v1:\n- .spec.template.spec.containers[name="web"].image',
    );
  });

  it('takes the fields over when forced', () => {
    const out = serverSideApply(
      scaledByEditor(),
      config((c) => (c.spec.replicas = 3)),
      applyOpts('kubectl', { force: true, now: T2 }),
    );
    expect(out.spec.replicas).toBe(3);
    expect(entry(out, 'kubectl-edit')).toBeUndefined();
    expect(entry(out, 'kubectl')!.fieldsV1!['f:spec']).toHaveProperty('f:replicas');
  });

  it('shares ownership instead of conflicting when the applied value is the same', () => {
    const out = serverSideApply(
      scaledByEditor(),
      config((c) => (c.spec.replicas = 5)),
      applyOpts('kubectl', { now: T2 }),
    );
    expect(out.spec.replicas).toBe(5);
    expect(entry(out, 'kubectl-edit')!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(out, 'kubectl')!.fieldsV1!['f:spec']).toHaveProperty('f:replicas');
  });

  it('does not conflict with another applier over fields it leaves alone', () => {
    const live = scaledByEditor();
    const out = serverSideApply(
      live,
      config((c) => delete c.spec.replicas),
      applyOpts('kubectl', { now: T2 }),
    );
    expect(out.spec.replicas).toBe(5);
  });

  it('names the subresource of a conflicting manager', () => {
    const live = stored(serverSideApply(undefined, config(), applyOpts('kubectl')));
    const err = apiError(() =>
      serverSideApply(
        live,
        config((c) => (c.spec.replicas = 9)),
        applyOpts('autoscaler', { subresource: 'scale', now: T1 }),
      ),
    );
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    const byScaler = serverSideApply(
      live,
      config((c) => (c.spec.replicas = 9)),
      applyOpts('autoscaler', { subresource: 'scale', force: true, now: T1 }),
    );
    const err2 = apiError(() =>
      serverSideApply(
        stored(byScaler),
        config((c) => (c.spec.replicas = 1)),
        applyOpts('kubectl', { now: T2 }),
      ),
    );
    expect(err2.message).toBe(
      'Apply failed with 1 conflict: conflict with "autoscaler" with subresource "scale": .spec.replicas',
    );
  });
});

describe('serverSideApply: objects created without apply', () => {
  it('gives untracked fields to before-first-apply, which then conflicts', () => {
    const live = stored(config());
    const err = apiError(() =>
      serverSideApply(
        live,
        config((c) => (c.spec.replicas = 7)),
        applyOpts('kubectl'),
      ),
    );
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
    const ok = serverSideApply(live, config(), applyOpts('kubectl'));
    expect(entries(ok).map((e) => e.manager)).toEqual(['kubectl', 'before-first-apply']);
  });

  it('conflicts with the creator of an object created by a plain create', () => {
    const created = stored(
      updateManagedFields(undefined, config(), { ...applyOpts('kubectl-create'), now: T0 }),
    );
    const err = apiError(() =>
      serverSideApply(
        created,
        config((c) => (c.spec.template.spec.containers[0].image = 'web:2')),
        applyOpts('kubectl', { now: T1 }),
      ),
    );
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.template.spec.containers[name="web"].image',
    );
  });
});

describe('serverSideApply: bad configurations', () => {
  it.each([
    [config((c) => (c.apiVersion = 'apps/v2')), 'invalid object type: apps/v2, Kind=Deployment'],
    [config((c) => (c.kind = 'StatefulSet')), 'invalid object type: apps/v1, Kind=StatefulSet'],
    [config((c) => (c.metadata.managedFields = [])), 'metadata.managedFields must be nil'],
    [
      config((c) => c.spec.template.spec.containers.push({ image: 'x' })),
      'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 1: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    ],
    [
      config((c) => c.spec.template.spec.containers.push({ name: 'web' })),
      'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="web"]',
    ],
  ])('rejects %#', (body, message) => {
    const err = apiError(() => serverSideApply(undefined, body, applyOpts('kubectl')));
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });
});

describe('serverSideApply: sets, maps and custom resources', () => {
  it('merges finalizers as a set owned element by element', () => {
    let live = stored(
      serverSideApply(
        undefined,
        config((c) => (c.metadata.finalizers = ['a.io/x'])),
        applyOpts('one'),
      ),
    );
    live = stored(
      serverSideApply(
        live,
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers: ['b.io/y'] } },
        applyOpts('two', { now: T1 }),
      ),
    );
    expect(live.metadata.finalizers).toEqual(['a.io/x', 'b.io/y']);
    expect(entry(live, 'two')!.fieldsV1).toEqual({ 'f:metadata': { 'f:finalizers': { 'v:"b.io/y"': {} } } });
    const out = serverSideApply(live, config(), applyOpts('one', { now: T2 }));
    expect(out.metadata.finalizers).toEqual(['b.io/y']);
  });

  const widgetSchema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer' },
          routes: {
            type: 'array',
            'x-kubernetes-list-type': 'map' as const,
            'x-kubernetes-list-map-keys': ['host', 'port'],
            items: {
              type: 'object',
              properties: {
                host: { type: 'string' },
                port: { type: 'integer', default: 80 },
                weight: { type: 'integer' },
              },
            },
          },
          tags: { type: 'array', items: { type: 'string' } },
          settings: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  };
  const widgetType = typeFromSchema(widgetSchema);
  const widgetOpts = (manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
    manager,
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    type: widgetType,
    force: false,
    now: T0,
    ...extra,
  });
  const widget = (spec: Obj): Obj => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w' },
    spec,
  });

  it('merges CRD list-map items by their keys (with key defaults) and replaces atomic lists', () => {
    let live = stored(
      serverSideApply(
        undefined,
        widget({ routes: [{ host: 'a' }, { host: 'b', port: 81 }], tags: ['x'] }),
        widgetOpts('one'),
      ),
    );
    expect(entry(live, 'one')!.fieldsV1).toEqual({
      'f:spec': {
        'f:routes': {
          'k:{"host":"a","port":80}': { '.': {}, 'f:host': {} },
          'k:{"host":"b","port":81}': { '.': {}, 'f:host': {}, 'f:port': {} },
        },
        'f:tags': {},
      },
    });
    live = stored(
      serverSideApply(
        live,
        widget({ routes: [{ host: 'c', weight: 1 }], settings: { mode: 'fast' } }),
        widgetOpts('two', { now: T1 }),
      ),
    );
    expect(live.spec.routes).toEqual([{ host: 'a' }, { host: 'b', port: 81 }, { host: 'c', weight: 1 }]);
    expect(live.spec.settings).toEqual({ mode: 'fast' });
    expect(() => serverSideApply(live, widget({ tags: ['y'] }), widgetOpts('two', { now: T2 }))).toThrow(
      ApiError,
    );
  });

  it('applying the same configuration twice changes nothing', () => {
    const labels = fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.stringMatching(/^[a-z0-9]{0,5}$/), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(labels, fc.integer({ min: 0, max: 9 }), (l, replicas) => {
        const body = config((c) => {
          c.metadata.labels = l;
          c.spec.replicas = replicas;
        });
        const once = stored(serverSideApply(undefined, body, applyOpts('kubectl')));
        expect(serverSideApply(once, body, applyOpts('kubectl', { now: T1 }))).toEqual(once);
      }),
    );
  });

  it('an applier never removes labels another manager set', () => {
    const labels = fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.stringMatching(/^[a-z0-9]{0,5}$/), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(labels, labels, labels, (mine, theirs, mineLater) => {
        let live = stored(
          serverSideApply(
            undefined,
            config((c) => (c.metadata.labels = mine)),
            applyOpts('kubectl'),
          ),
        );
        const edited = structuredClone(live);
        edited.metadata.labels = { ...(edited.metadata.labels ?? {}), ...theirs };
        live = stored(updateManagedFields(live, edited, { ...applyOpts('other'), now: T1 }));
        const out = serverSideApply(
          live,
          config((c) => (c.metadata.labels = mineLater)),
          applyOpts('kubectl', { force: true, now: T2 }),
        );
        // A write that sets a label to the value it already has takes no ownership.
        for (const [k, v] of Object.entries(theirs)) {
          if (!(k in mineLater) && mine[k] !== v) expect(out.metadata.labels?.[k]).toBe(v);
        }
        for (const [k, v] of Object.entries(mineLater)) expect(out.metadata.labels[k]).toBe(v);
        for (const k of Object.keys(mine)) {
          if (!(k in mineLater) && (!(k in theirs) || theirs[k] === mine[k])) {
            expect(out.metadata.labels ?? {}).not.toHaveProperty(k);
          }
        }
      }),
    );
  });
});
