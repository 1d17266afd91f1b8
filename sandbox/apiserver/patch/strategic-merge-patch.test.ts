import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import {
  builtinPatchStrategies,
  builtinStruct,
  builtinStructNames,
  builtinType,
  strategicMergePatchNotSupported,
} from './builtin-types.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';
import type { ListType, StructType } from './types.ts';

const Pod = builtinPatchStrategies.Pod;
const Deployment = builtinPatchStrategies.Deployment;

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'app:1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [{ containerPort: 80 }],
      },
      { name: 'sidecar', image: 'proxy:1' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'a', operator: 'Exists' }],
  },
  status: {
    conditions: [
      { type: 'Ready', status: 'False' },
      { type: 'Initialized', status: 'True' },
    ],
  },
});

describe('builtin type table', () => {
  it('resolves every struct it names', () => {
    for (const name of builtinStructNames()) expect(builtinStruct(name).kind).toBe('struct');
  });

  it('describes the merge keys kube’s Go types declare', () => {
    const podSpec = (Pod.fields.spec.type as StructType).fields;
    const containers = podSpec.containers.type as ListType;
    expect(containers).toMatchObject({
      listType: 'map',
      keys: ['name'],
      patchMerge: true,
      patchMergeKey: 'name',
    });
    const container = (containers.items as StructType).fields;
    expect(container.ports.type).toMatchObject({
      keys: ['containerPort', 'protocol'],
      patchMergeKey: 'containerPort',
    });
    expect(container.volumeMounts.type).toMatchObject({ patchMergeKey: 'mountPath' });
    expect(container.envFrom.type).toMatchObject({ listType: 'atomic' });
    expect(container.envFrom.type).not.toHaveProperty('patchMerge');
    expect(podSpec.tolerations.type).toMatchObject({ listType: 'atomic' });
    expect(podSpec.nodeSelector.type).toMatchObject({ kind: 'map', atomic: true });
    const meta = (Pod.fields.metadata.type as StructType).fields;
    expect(meta.finalizers.type).toMatchObject({ listType: 'set', patchMerge: true });
    expect(meta.ownerReferences.type).toMatchObject({ keys: ['uid'], patchMergeKey: 'uid' });
    const service = (builtinPatchStrategies.Service.fields.spec.type as StructType).fields;
    expect(service.ports.type).toMatchObject({ keys: ['port', 'protocol'], patchMergeKey: 'port' });
    const slice = builtinPatchStrategies.EndpointSlice.fields;
    expect(slice.endpoints.type).toMatchObject({ listType: 'atomic' });
    const pdb = (builtinPatchStrategies.PodDisruptionBudget.fields.spec.type as StructType).fields;
    expect(pdb.selector.replace).toBe(true);
    expect(builtinType('Lease')).toBeDefined();
    expect(builtinType('Widget')).toBeUndefined();
  });
});

describe('strategicMergePatch', () => {
  it('merges containers by name and env by name, keeping unrelated elements', () => {
    const out = strategicMergePatch(
      pod(),
      {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:2',
              env: [
                { name: 'B', value: 'two' },
                { name: 'C', value: '3' },
              ],
            },
          ],
        },
      },
      Pod,
    );
    expect(out.spec).toMatchObject({
      containers: [
        {
          name: 'app',
          image: 'app:2',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: 'two' },
            { name: 'C', value: '3' },
          ],
        },
        { name: 'sidecar', image: 'proxy:1' },
      ],
    });
  });

  it('replaces lists without a merge strategy', () => {
    const out = strategicMergePatch(
      pod(),
      { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      Pod,
    );
    expect((out.spec as { tolerations: unknown }).tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  it('merges conditions by type and finalizers as a set', () => {
    const out = strategicMergePatch(
      pod(),
      {
        metadata: { finalizers: ['c', 'a'] },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
      Pod,
    );
    expect((out.metadata as { finalizers: string[] }).finalizers).toEqual(['c', 'a', 'b']);
    expect((out.status as { conditions: unknown }).conditions).toEqual([
      { type: 'Ready', status: 'True' },
      { type: 'Initialized', status: 'True' },
    ]);
  });

  it('deletes keys set to null and list elements marked $patch: delete', () => {
    const out = strategicMergePatch(
      pod(),
      {
        metadata: { labels: { app: null } },
        spec: { containers: [{ name: 'sidecar', $patch: 'delete' }], volumes: null },
      },
      Pod,
    );
    expect(out.metadata).toMatchObject({ labels: {} });
    expect((out.spec as { containers: { name: string }[] }).containers.map((c) => c.name)).toEqual(['app']);
    expect(out.spec).not.toHaveProperty('volumes');
  });

  it('replaces a whole list with $patch: replace and a map with $patch: replace', () => {
    const out = strategicMergePatch(
      pod(),
      {
        metadata: { labels: { $patch: 'replace', tier: 'front' } },
        spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] },
      },
      Pod,
    );
    expect((out.metadata as { labels: unknown }).labels).toEqual({ tier: 'front' });
    expect((out.spec as { containers: unknown }).containers).toEqual([{ name: 'only', image: 'x' }]);
  });

  it('empties a map with $patch: delete', () => {
    const out = strategicMergePatch(pod(), { metadata: { labels: { $patch: 'delete' } } }, Pod);
    expect((out.metadata as { labels: unknown }).labels).toEqual({});
  });

  it('removes scalars from a merged list with $deleteFromPrimitiveList', () => {
    const out = strategicMergePatch(
      pod(),
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      Pod,
    );
    expect((out.metadata as { finalizers: string[] }).finalizers).toEqual(['b']);
  });

  it('orders merged lists by $setElementOrder', () => {
    const out = strategicMergePatch(
      pod(),
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
          containers: [{ name: 'app', image: 'app:3' }],
        },
      },
      Pod,
    );
    expect(
      (out.spec as { containers: { name: string; image: string }[] }).containers.map((c) => [
        c.name,
        c.image,
      ]),
    ).toEqual([
      ['sidecar', 'proxy:1'],
      ['app', 'app:3'],
    ]);
  });

  it('clears keys missing from $retainKeys (a Deployment switching to Recreate)', () => {
    const dep = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const out = strategicMergePatch(
      dep,
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      Deployment,
    );
    expect((out.spec as { strategy: unknown }).strategy).toEqual({ type: 'Recreate' });
    expect(
      apiError(() =>
        strategicMergePatch(
          dep,
          { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } },
          Deployment,
        ),
      ).message,
    ).toBe('invalid patch format of retainKeys');
  });

  it('merges ports by containerPort and Service ports by port', () => {
    // New elements go before the live ones, as kube's mergeSortedSlice orders them.
    const out = strategicMergePatch(
      pod(),
      { spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080, name: 'alt' }] }] } },
      Pod,
    );
    expect((out.spec as { containers: { ports?: unknown }[] }).containers[0].ports).toEqual([
      { containerPort: 8080, name: 'alt' },
      { containerPort: 80 },
    ]);
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const svcOut = strategicMergePatch(
      svc,
      { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      builtinPatchStrategies.Service,
    );
    expect(svcOut.spec).toEqual({ ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] });
  });

  it('replaces a PodDisruptionBudget selector instead of merging it', () => {
    const pdb = { spec: { selector: { matchLabels: { app: 'web', tier: 'x' } } } };
    const out = strategicMergePatch(
      pdb,
      { spec: { selector: { matchLabels: { app: 'api' } } } },
      builtinPatchStrategies.PodDisruptionBudget,
    );
    expect(out.spec).toEqual({ selector: { matchLabels: { app: 'api' } } });
  });

  it('merges unknown objects and replaces unknown lists', () => {
    const out = strategicMergePatch(
      { data: { a: '1' }, extra: { x: [1, 2] } },
      { data: { b: '2' }, extra: { x: [3] } },
      builtinPatchStrategies.ConfigMap,
    );
    expect(out).toEqual({ data: { a: '1', b: '2' }, extra: { x: [3] } });
  });

  it('drops directives and nulls from values new to the object', () => {
    const out = strategicMergePatch(
      { spec: {} },
      {
        spec: {
          containers: [{ name: 'a', env: [{ name: 'X', value: null }] }],
          securityContext: { runAsUser: null, $patch: 'x' },
        },
      },
      Pod,
    );
    expect(out).toEqual({ spec: { containers: [{ name: 'a', env: [{ name: 'X' }] }] } });
  });

  it.each([
    [{ spec: { containers: [{ image: 'x' }] } }, 'does not contain declared merge key: name'],
    [
      { spec: { containers: [{ name: 'app', $patch: 'merge' }] } },
      'merging lists cannot yet be specified in the patch',
    ],
    [{ metadata: { labels: { $patch: 'frob' } } }, 'unknown patch type: frob in map'],
    [{ metadata: { '$setElementOrder/finalizers': 'a' } }, 'expected a []interface {}'],
    [{ metadata: { $retainKeys: 'x' } }, 'invalid patch format of retainKeys'],
  ])('rejects the malformed patch %j with 400', (patch, message) => {
    const err = apiError(() => strategicMergePatch(pod(), patch, Pod));
    expect(err.code).toBe(400);
    expect(err.message).toContain(message);
  });

  it('answers a list of lists with 422', () => {
    const err = apiError(() =>
      strategicMergePatch({ metadata: { finalizers: [] } }, { metadata: { finalizers: [['x']] } }, Pod),
    );
    expect(err.code).toBe(422);
  });

  it('treats "__proto__" in a body as an ordinary key', () => {
    const patch = JSON.parse('{"metadata": {"labels": {"__proto__": "x"}}}');
    const out = strategicMergePatch(pod(), patch, Pod) as { metadata: { labels: Record<string, unknown> } };
    expect(Object.hasOwn(out.metadata.labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
  });

  it('does not modify its inputs', () => {
    const original = pod();
    const patch = { spec: { containers: [{ name: 'app', image: 'x' }] } };
    strategicMergePatch(original, patch, Pod);
    expect(original).toEqual(pod());
    expect(patch).toEqual({ spec: { containers: [{ name: 'app', image: 'x' }] } });
  });

  it('exposes the 415 kube answers for custom resources', () => {
    const err = strategicMergePatchNotSupported();
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  const name = fc.stringMatching(/^[a-z]{1,6}$/);
  const envList = fc.uniqueArray(fc.record({ name, value: fc.string({ maxLength: 4 }) }), {
    selector: (e) => e.name,
    maxLength: 6,
  });

  it('merging env by name keeps unrelated elements and their order, and takes patched values', () => {
    fc.assert(
      fc.property(envList, envList, (live, patch) => {
        const out = strategicMergePatch(
          { spec: { containers: [{ name: 'c', env: live }] } },
          { spec: { containers: [{ name: 'c', env: patch }] } },
          Pod,
        );
        const env = (out.spec as { containers: { env: { name: string; value: string }[] }[] }).containers[0]
          .env;
        const byName = new Map(env.map((e) => [e.name, e.value]));
        expect(env.length).toBe(new Set([...live, ...patch].map((e) => e.name)).size);
        for (const e of patch) expect(byName.get(e.name)).toBe(e.value);
        for (const e of live)
          if (!patch.some((p) => p.name === e.name)) expect(byName.get(e.name)).toBe(e.value);
        const untouched = env.filter((e) => !patch.some((p) => p.name === e.name)).map((e) => e.name);
        expect(untouched).toEqual(
          live.filter((e) => !patch.some((p) => p.name === e.name)).map((e) => e.name),
        );
        const patched = env.filter((e) => patch.some((p) => p.name === e.name)).map((e) => e.name);
        expect(patched).toEqual(patch.map((e) => e.name));
      }),
    );
  });

  it('is idempotent for patches without directives', () => {
    fc.assert(
      fc.property(
        envList,
        envList,
        fc.uniqueArray(name, { maxLength: 4 }),
        fc.uniqueArray(name, { maxLength: 4 }),
        (live, patch, fin, finPatch) => {
          const original = {
            metadata: { finalizers: fin },
            spec: { containers: [{ name: 'c', env: live }] },
          };
          const p = { metadata: { finalizers: finPatch }, spec: { containers: [{ name: 'c', env: patch }] } };
          const once = strategicMergePatch(original, p, Pod);
          expect(strategicMergePatch(once, p, Pod)).toEqual(once);
        },
      ),
    );
  });
});
