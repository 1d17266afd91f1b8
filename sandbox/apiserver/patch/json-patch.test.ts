import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import {
  JSON_PATCH_REJECTED_MESSAGE,
  jsonPatch,
  jsonPatchUnknownFields,
  MAX_JSON_PATCH_OPERATIONS,
} from './json-patch.ts';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'a', image: 'a:1' },
          { name: 'b', image: 'b:1' },
        ],
      },
    },
  },
};

describe('jsonPatch', () => {
  it('applies add, remove, replace, move, copy and test in order', () => {
    const out = jsonPatch(deployment, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'copy', from: '/metadata/labels/tier', path: '/metadata/labels/copy' },
      { op: 'move', from: '/metadata/labels/copy', path: '/metadata/annotations' },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'c', image: 'c:1' } },
      { op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'X', value: '1' }] },
    ]) as typeof deployment & { metadata: { annotations: unknown } };
    expect(out.spec.replicas).toBe(5);
    expect(out.metadata.labels).toEqual({ tier: 'front' });
    expect(out.metadata.annotations).toBe('front');
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(out.spec.template.spec.containers[0]).toEqual({
      name: 'a',
      image: 'a:1',
      env: [{ name: 'X', value: '1' }],
    });
  });

  it('does not modify its input', () => {
    const input = structuredClone(deployment);
    jsonPatch(input, [{ op: 'replace', path: '/spec/replicas', value: 9 }]);
    expect(input).toEqual(deployment);
  });

  it('supports negative array indices as kube’s json-patch library does', () => {
    const out = jsonPatch(deployment, [
      { op: 'replace', path: '/spec/template/spec/containers/-1/image', value: 'b:2' },
      { op: 'add', path: '/spec/template/spec/containers/-1', value: { name: 'z' } },
    ]) as typeof deployment;
    expect(out.spec.template.spec.containers.map((c) => [c.name, c.image])).toEqual([
      ['a', 'a:1'],
      ['b', 'b:2'],
      ['z', undefined],
    ]);
  });

  it('answers a failed test with kube’s 422', () => {
    const err = apiError(() => jsonPatch(deployment, [{ op: 'test', path: '/spec/replicas', value: 3 }]));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe(JSON_PATCH_REJECTED_MESSAGE);
    expect(err.details?.causes?.[0]?.message).toBe('testing value /spec/replicas failed: test failed');
  });

  it('lets a test of a missing path pass only when the operation has no value', () => {
    expect(() => jsonPatch(deployment, [{ op: 'test', path: '/spec/paused' }])).not.toThrow();
    expect(
      apiError(() => jsonPatch(deployment, [{ op: 'test', path: '/spec/paused', value: null }])).code,
    ).toBe(422);
  });

  it.each([
    [
      { op: 'replace', path: '/spec/paused', value: true },
      'replace operation does not apply: doc is missing key: /spec/paused',
    ],
    [{ op: 'remove', path: '/metadata/annotations' }, 'Unable to remove nonexistent key: annotations'],
    [
      { op: 'add', path: '/status/replicas', value: 1 },
      'add operation does not apply: doc is missing path: "/status/replicas"',
    ],
    [
      { op: 'move', from: '/nope', path: '/x' },
      'move operation does not apply: doc is missing from path: /nope',
    ],
    [
      { op: 'replace', path: '/spec/template/spec/containers/7', value: {} },
      'doc is missing key: /spec/template/spec/containers/7',
    ],
    [{ op: 'add', path: '/spec/template/spec/containers/7', value: {} }, 'invalid index referenced'],
    [{ op: 'frobnicate', path: '/a' }, 'Unexpected kind: frobnicate'],
    [{ op: 'add', path: '/a' }, 'operation, missing value field: missing value'],
    [{ op: 'remove' }, 'operation missing path field: missing value'],
  ])('rejects an operation that does not apply: %j', (op, detail) => {
    const err = apiError(() => jsonPatch(deployment, [op]));
    expect(err.code).toBe(422);
    expect(err.details?.causes?.[0]?.message).toContain(detail);
  });

  it('is all or nothing: a later failure leaves no partial result', () => {
    const input = structuredClone(deployment);
    expect(() =>
      jsonPatch(input, [
        { op: 'replace', path: '/spec/replicas', value: 7 },
        { op: 'test', path: '/spec/replicas', value: 2 },
      ]),
    ).toThrow(ApiError);
    expect(input.spec.replicas).toBe(2);
  });

  it('rejects bodies that are not patches with 400', () => {
    expect(apiError(() => jsonPatch(deployment, { op: 'add' })).message).toBe(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
    expect(apiError(() => jsonPatch(deployment, ['x'])).message).toBe(
      'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
    );
    expect(apiError(() => jsonPatch(deployment, 'x')).code).toBe(400);
  });

  it('treats a null body as an empty patch', () => {
    expect(jsonPatch(deployment, null)).toEqual(deployment);
  });

  it('limits the number of operations', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '/kind',
      value: 'Deployment',
    }));
    const err = apiError(() => jsonPatch(deployment, ops));
    expect(err.code).toBe(413);
    expect(err.message).toBe('The allowed maximum operations in a JSON patch is 10000, got 10001');
    expect(() => jsonPatch(deployment, ops.slice(1))).not.toThrow();
  });

  it('refuses to touch __proto__', () => {
    expect(apiError(() => jsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: 1 }])).code).toBe(
      422,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports unknown operation fields for fieldValidation', () => {
    expect(jsonPatchUnknownFields([{ op: 'add', path: '/a', value: 1, extra: true }])).toEqual([
      'json patch unknown field "[0].extra"',
    ]);
  });

  it('replace then test of the same value always succeeds', () => {
    const json = fc.jsonValue({ maxDepth: 2 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), json),
        fc.stringMatching(/^[a-z]{1,5}$/),
        json,
        (doc, key, value) => {
          const out = jsonPatch(doc, [
            { op: 'add', path: `/${key}`, value },
            { op: 'test', path: `/${key}`, value },
          ]) as Record<string, unknown>;
          expect(out[key]).toEqual(value);
        },
      ),
    );
  });
});
