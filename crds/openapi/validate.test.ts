import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from './types.ts';
import { applyDefaults, pruneUnknownFields, unknownFieldPaths, validateAgainstSchema } from './validate.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' },
        mode: { type: 'string', enum: ['A', 'B'], default: 'A' },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
        size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        when: { type: 'string', format: 'date-time' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        items: {
          type: 'array',
          maxItems: 2,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['k'],
          items: {
            type: 'object',
            required: ['k'],
            properties: { k: { type: 'string' }, v: { type: 'integer', default: 7 } },
          },
        },
        nested: { type: 'object', default: {}, properties: { on: { type: 'boolean', default: true } } },
        open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

const errors = (spec: unknown) =>
  validateAgainstSchema({ metadata: { name: 'x', anything: 1 }, spec }, schema, '', { root: true }).map(
    (e) => `${e.path}: ${e.message}`,
  );

describe('validateAgainstSchema', () => {
  it('accepts a valid object and leaves metadata to the API server', () => {
    expect(
      errors({
        name: 'abc',
        ratio: 0.5,
        size: '10%',
        when: '2025-01-01T00:00:00Z',
        labels: { a: 'b' },
        open: { x: [1] },
      }),
    ).toEqual([]);
  });

  it('reports each problem with its field path', () => {
    expect(
      errors({
        name: 'ABCDEFG',
        mode: 'C',
        ratio: 0,
        size: 1.5,
        when: 'yesterday',
        labels: { a: 1 },
        items: [{ k: 'a' }, { k: 'a' }, { v: 1 }],
        typo: true,
      }),
    ).toEqual([
      'spec.name: must be at most 5 characters long',
      'spec.name: must match the pattern ^[a-z]+$',
      'spec.mode: unsupported value "C": supported values: "A", "B"',
      'spec.ratio: must be greater than 0',
      'spec.size: expected integer or string, got number',
      'spec.when: must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z',
      'spec.labels.a: expected string, got integer',
      'spec.items: must have at most 2 items',
      'spec.items[2].k: required field is missing',
      'spec.items[1]: duplicate value ["a"]',
      'spec.typo: unknown field',
    ]);
    expect(errors({})).toEqual(['spec.name: required field is missing']);
  });

  it('counts string length in characters, not UTF-16 units', () => {
    expect(validateAgainstSchema('ééééé', { type: 'string', maxLength: 5 })).toEqual([]);
    expect(validateAgainstSchema('😀😀😀', { type: 'string', maxLength: 3 })).toEqual([]);
  });
});

describe('unknown fields', () => {
  const object = {
    metadata: { name: 'x', managedFields: [] },
    spec: { name: 'a', typo: 1, items: [{ k: 'a', z: 2 }], open: { q: 1 } },
  };

  it('lists them by path', () => {
    expect(unknownFieldPaths(object, schema, { root: true })).toEqual(['spec.typo', 'spec.items[0].z']);
  });

  it('prunes them from a copy, as the API server stores objects', () => {
    const pruned = pruneUnknownFields(object, schema, { root: true });
    expect(pruned).toEqual({
      metadata: { name: 'x', managedFields: [] },
      spec: { name: 'a', items: [{ k: 'a' }], open: { q: 1 } },
    });
    expect(object.spec.typo).toBe(1);
  });
});

describe('applyDefaults', () => {
  it('fills defaults at every level, including inside defaulted objects and list items', () => {
    const input = { metadata: { name: 'x' }, spec: { name: 'a', items: [{ k: 'a' }, { k: 'b', v: 1 }] } };
    expect(applyDefaults(input, schema, { root: true })).toEqual({
      metadata: { name: 'x' },
      spec: {
        name: 'a',
        mode: 'A',
        items: [
          { k: 'a', v: 7 },
          { k: 'b', v: 1 },
        ],
        nested: { on: true },
      },
    });
    expect(input.spec).toEqual({ name: 'a', items: [{ k: 'a' }, { k: 'b', v: 1 }] });
  });
});
