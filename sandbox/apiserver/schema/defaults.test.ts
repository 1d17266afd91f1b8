import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from './defaults.ts';
import type { JSONSchemaProps } from './types.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      default: {},
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'Enforce' },
        note: { type: 'string', nullable: true, default: 'n' },
        strategy: {
          type: 'object',
          default: { type: 'Rolling' },
          properties: { type: { type: 'string' }, maxSurge: { type: 'integer', default: 1 } },
        },
        ports: {
          type: 'array',
          items: {
            type: 'object',
            properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } },
          },
        },
        limits: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { max: { type: 'integer', default: 10 } } },
        },
        tags: { type: 'array', items: { type: 'string', default: 'none' } },
      },
    },
  },
};

describe('applyDefaults', () => {
  it('fills missing properties, recursively and inside defaulted values', () => {
    const obj: Record<string, any> = {};
    applyDefaults(obj, schema);
    expect(obj).toEqual({
      spec: { replicas: 1, mode: 'Enforce', note: 'n', strategy: { type: 'Rolling', maxSurge: 1 } },
    });
  });

  it('keeps values that are set, including falsy ones', () => {
    const obj: Record<string, any> = {
      spec: { replicas: 0, mode: '', strategy: { type: 'Recreate', maxSurge: 0 } },
    };
    applyDefaults(obj, schema);
    expect(obj.spec).toMatchObject({ replicas: 0, mode: '', strategy: { type: 'Recreate', maxSurge: 0 } });
  });

  it('defaults array items, map values and null values that are not nullable', () => {
    const obj: Record<string, any> = {
      spec: {
        replicas: null,
        note: null,
        ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }],
        limits: { cpu: {}, mem: { max: 2 } },
        tags: ['a', null],
      },
    };
    applyDefaults(obj, schema);
    expect(obj.spec.replicas).toBe(1);
    expect(obj.spec.note).toBeNull();
    expect(obj.spec.ports).toEqual([
      { port: 80, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
    ]);
    expect(obj.spec.limits).toEqual({ cpu: { max: 10 }, mem: { max: 2 } });
    expect(obj.spec.tags).toEqual(['a', 'none']);
  });

  it('copies default values instead of sharing them', () => {
    const a: Record<string, any> = {};
    const b: Record<string, any> = {};
    applyDefaults(a, schema);
    applyDefaults(b, schema);
    a.spec.strategy.type = 'changed';
    expect(b.spec.strategy.type).toBe('Rolling');
    expect((schema.properties!.spec.properties!.strategy.default as { type: string }).type).toBe('Rolling');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            replicas: fc.option(fc.integer(), { nil: undefined }),
            mode: fc.option(fc.string(), { nil: undefined }),
          },
          { requiredKeys: [] },
        ),
        (spec) => {
          const obj: Record<string, any> = { spec: JSON.parse(JSON.stringify(spec)) };
          applyDefaults(obj, schema);
          const once = structuredClone(obj);
          applyDefaults(obj, schema);
          expect(obj).toEqual(once);
        },
      ),
    );
  });
});
