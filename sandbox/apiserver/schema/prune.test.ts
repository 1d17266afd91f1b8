import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../errors.ts';
import { pruneAndCollectUnknown, pruneNonNullableNullsWithoutDefaults, pruneValue } from './prune.ts';
import type { JSONSchemaProps } from './types.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        routes: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { weight: { type: 'integer' } } },
        },
        config: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
      },
    },
  },
};

function widget(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec, ...extra };
}

describe('pruneAndCollectUnknown', () => {
  it('drops unknown fields and reports their paths sorted', () => {
    const obj = widget(
      { replicas: 1, foo: 1, items: [{ name: 'a', bar: 2 }, { baz: 3 }] },
      { status: { x: 1 } },
    );
    expect(pruneAndCollectUnknown(obj, schema)).toEqual([
      'spec.foo',
      'spec.items[0].bar',
      'spec.items[1].baz',
      'status',
    ]);
    expect(obj).toEqual(widget({ replicas: 1, items: [{ name: 'a' }, {}] }));
  });

  it('keeps apiVersion, kind and metadata at the root even when the schema omits them', () => {
    const obj = widget({});
    expect(pruneAndCollectUnknown(obj, { type: 'object', properties: { spec: { type: 'object' } } })).toEqual(
      [],
    );
    expect(obj).toEqual(widget({}));
  });

  it('reports unknown metadata fields first and drops them', () => {
    const obj = widget({ foo: 1 });
    obj.metadata.bogus = true;
    obj.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', extra: 1 }];
    expect(pruneAndCollectUnknown(obj, schema)).toEqual([
      'metadata.bogus',
      'metadata.ownerReferences[0].extra',
      'spec.foo',
    ]);
    expect(obj.metadata).toEqual({
      name: 'w',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }],
    });
  });

  it('rejects metadata of the wrong type as kube fails to decode it', () => {
    const obj = widget({});
    obj.metadata.labels = { a: 1 };
    try {
      pruneAndCollectUnknown(obj, schema);
      expect.unreachable();
    } catch (e) {
      expect((e as ApiError).code).toBe(400);
      expect((e as ApiError).message).toBe(
        'json: cannot unmarshal object into Go struct field ObjectMeta.metadata.labels of type map[string]string',
      );
    }
  });

  it('prunes map values by additionalProperties and keeps their keys', () => {
    const obj = widget({ labels: { a: 'x' }, routes: { r1: { weight: 1, extra: true } } });
    expect(pruneAndCollectUnknown(obj, schema)).toEqual(['spec.routes.r1.extra']);
    expect(obj.spec).toEqual({ labels: { a: 'x' }, routes: { r1: { weight: 1 } } });
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields but prunes known subtrees', () => {
    const obj = widget({ config: { anything: { deep: [1] }, known: { a: 'x', b: 'y' } } });
    expect(pruneAndCollectUnknown(obj, schema)).toEqual(['spec.config.known.b']);
    expect(obj.spec.config).toEqual({ anything: { deep: [1] }, known: { a: 'x' } });
  });

  it('keeps the type and object meta of embedded resources, and reports their unknown metadata', () => {
    const obj = widget({
      template: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', surprise: 1 },
        spec: { image: 'x', foo: 1 },
      },
    });
    expect(pruneAndCollectUnknown(obj, schema)).toEqual([
      'spec.template.spec.foo',
      'spec.template.metadata.surprise',
    ]);
    expect(obj.spec.template).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { image: 'x' },
    });
  });

  it('drops everything inside an object whose schema has no properties', () => {
    const obj = { spec: { a: { b: 1 } } };
    expect(
      pruneValue(
        obj,
        { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'object' } } } } },
        true,
      ),
    ).toEqual(['spec.a.b']);
    expect(obj).toEqual({ spec: { a: {} } });
  });

  it('is idempotent: a pruned object has nothing left to prune', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('replicas', 'items', 'labels', 'foo', 'config', 'routes'), json),
        (spec) => {
          const obj = widget(spec);
          try {
            pruneAndCollectUnknown(obj, schema);
          } catch {
            return;
          }
          const again = structuredClone(obj);
          expect(pruneAndCollectUnknown(again, schema)).toEqual([]);
          expect(again).toEqual(obj);
        },
      ),
    );
  });
});

describe('pruneNonNullableNullsWithoutDefaults', () => {
  it('drops nulls of fields that are neither nullable nor defaulted', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'string', nullable: true },
        c: { type: 'string', default: 'x' },
        m: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
    const obj = { a: null, b: null, c: null, m: { k: null }, unknown: null };
    pruneNonNullableNullsWithoutDefaults(obj, s);
    expect(obj).toEqual({ b: null, c: null, m: {}, unknown: null });
  });
});
