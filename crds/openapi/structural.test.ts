import { describe, expect, it } from 'vitest';
import { structuralViolations } from './structural.ts';
import type { JSONSchemaProps } from './types.ts';

/** A CRD root around one spec field schema. */
const root = (field: Record<string, unknown>): JSONSchemaProps =>
  ({
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', properties: { field } },
    },
  }) as JSONSchemaProps;

const violations = (field: Record<string, unknown>) => structuralViolations(root(field));

describe('structuralViolations', () => {
  it('accepts a well-formed schema', () => {
    expect(
      violations({
        type: 'array',
        maxItems: 4,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            size: {
              'x-kubernetes-int-or-string': true,
              anyOf: [{ type: 'integer' }, { type: 'string' }],
              default: 1,
            },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      }),
    ).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a node without type', { properties: { a: { type: 'string' } } }, /^spec\.field: type is required/],
    ['a $ref', { type: 'object', $ref: '#/definitions/x' }, /unknown or unsupported keyword "\$ref"/],
    [
      'additionalProperties: false',
      { type: 'object', additionalProperties: false },
      /must be a schema, not a boolean/,
    ],
    [
      'properties beside additionalProperties',
      { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
      /mutually exclusive/,
    ],
    [
      'properties on a string',
      { type: 'string', properties: { a: { type: 'string' } } },
      /properties require type object/,
    ],
    ['an array without items', { type: 'array' }, /arrays must have items/],
    ['items on an object', { type: 'object', items: { type: 'string' } }, /items require type array/],
    [
      'a union of differing types',
      { type: 'object', anyOf: [{ type: 'string' }, { type: 'integer' }] },
      /type is not allowed inside a junctor/,
    ],
    [
      'a junctor naming an undeclared field',
      { type: 'object', oneOf: [{ properties: { x: { minLength: 1 } } }] },
      /property "x" is not declared outside/,
    ],
    ['a typed int-or-string', { type: 'string', 'x-kubernetes-int-or-string': true }, /type must be empty/],
    [
      'an int-or-string with other branches',
      { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] },
      /exactly \[\{type: integer\}, \{type: string\}\]/,
    ],
    [
      'uniqueItems',
      { type: 'array', items: { type: 'string' }, uniqueItems: true },
      /uniqueItems must not be true/,
    ],
    ['an unknown type', { type: 'null' }, /type "null" is not one of/],
    [
      'a list map key that is optional',
      {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['k'],
        items: { type: 'object', properties: { k: { type: 'string' } } },
      },
      /must be required or have a default/,
    ],
    [
      'a list map key that is not a property',
      {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['k'],
        items: { type: 'object', properties: {} },
      },
      /is not a property of the items/,
    ],
    [
      'a set of objects',
      { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object' } },
      /items of a set list must be scalars/,
    ],
    [
      'map keys without a map list',
      { type: 'array', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'string' } },
      /requires x-kubernetes-list-type: map/,
    ],
    [
      'an invalid default',
      { type: 'integer', minimum: 1, default: 0 },
      /default 0 is invalid: must be greater than or equal to 1/,
    ],
    ['an enum value of the wrong type', { type: 'string', enum: ['a', 1] }, /enum value 1 is invalid/],
    [
      'a required field that is not declared',
      { type: 'object', properties: {}, required: ['x'] },
      /required field "x" is not among the properties/,
    ],
    [
      'preserve-unknown-fields: false',
      { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
      /must be true or absent/,
    ],
    [
      'an empty CEL rule',
      { type: 'object', 'x-kubernetes-validations': [{ rule: ' ' }] },
      /validation rule 0 has no rule/,
    ],
    [
      'a title inside a junctor',
      { type: 'string', anyOf: [{ title: 't', minLength: 1 }] },
      /title is not allowed inside a junctor/,
    ],
    [
      'an int-or-string that preserves unknown fields',
      { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true },
      /must be false if x-kubernetes-int-or-string/,
    ],
    [
      'an embedded resource that prunes',
      { type: 'object', 'x-kubernetes-embedded-resource': true },
      /must be true if x-kubernetes-embedded-resource/,
    ],
    [
      'nullable set items',
      { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string', nullable: true } },
      /items cannot be nullable/,
    ],
    [
      'a repeated list map key',
      {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['k', 'k'],
        items: { type: 'object', required: ['k'], properties: { k: { type: 'string' } } },
      },
      /must not repeat a key/,
    ],
    [
      'a blank CEL message',
      { type: 'object', 'x-kubernetes-validations': [{ rule: 'true', message: ' ' }] },
      /non-empty, one-line message/,
    ],
    [
      'a multi-line CEL rule without message',
      { type: 'object', 'x-kubernetes-validations': [{ rule: 'true &&\ntrue' }] },
      /spans lines/,
    ],
    [
      'a JSON Schema keyword Kubernetes lacks',
      { type: 'object', propertyNames: { pattern: 'x' } },
      /unknown or unsupported keyword "propertyNames"/,
    ],
  ])('rejects %s', (_name, field, message) => {
    const found = violations(field);
    expect(
      found.some((v) => message.test(v)),
      found.join('\n') || 'no violations',
    ).toBe(true);
  });

  it('validates defaults after filling in nested defaults, as kube-apiserver does', () => {
    const field = {
      type: 'object',
      default: {},
      properties: { n: { type: 'integer', default: 3, minimum: 1 } },
      required: ['n'],
    };
    expect(violations(field)).toEqual([]);
  });

  it('only lets metadata constrain name and generateName', () => {
    const schema = root({ type: 'string' });
    schema.properties!.metadata = { type: 'object', properties: { labels: { type: 'object' } } };
    expect(structuralViolations(schema)).toContain(
      'metadata.labels: only name and generateName may be specified under metadata',
    );
  });

  it('requires an object at the root, with only the keywords the status subresource allows', () => {
    expect(structuralViolations({ type: 'string' })).toContain('<root>: the root must have type object');
    expect(structuralViolations({ type: 'object', default: {} })).toContain(
      '<root>: "default" is not allowed at the root when the status subresource is enabled',
    );
  });
});
