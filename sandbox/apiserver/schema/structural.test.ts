import { describe, expect, it } from 'vitest';
import { causeToString } from './field-path.ts';
import { validateStructural } from './structural.ts';
import type { JSONSchemaProps } from './types.ts';

const P = 'spec.versions[0].schema.openAPIV3Schema';

function wrap(spec: JSONSchemaProps, root: JSONSchemaProps = {}): JSONSchemaProps {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec,
    },
    ...root,
  };
}

function problems(schema: JSONSchemaProps): string[] {
  return validateStructural(schema, P).map(causeToString);
}

/** A schema like the project's own CRDs: everything kube accepts. */
const good: JSONSchemaProps = wrap({
  type: 'object',
  required: ['targetRef'],
  properties: {
    targetRef: {
      type: 'object',
      properties: { kind: { type: 'string' }, name: { type: 'string', minLength: 1 } },
    },
    replicas: { type: 'integer', format: 'int32', minimum: 0, default: 1 },
    mode: { type: 'string', enum: ['Enforce', 'DryRun'], default: 'DryRun' },
    maxSurge: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    rules: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, weight: { type: 'number' } },
      },
    },
    tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    template: {
      type: 'object',
      'x-kubernetes-embedded-resource': true,
      'x-kubernetes-preserve-unknown-fields': true,
    },
    schedule: { type: 'string', oneOf: [{ pattern: '^@' }, { pattern: '^[0-9*]' }] },
  },
});

describe('validateStructural', () => {
  it('accepts a structural schema', () => {
    expect(problems(good)).toEqual([]);
  });

  it('requires a type everywhere', () => {
    expect(
      problems(wrap({ type: 'object', properties: { a: {}, b: { type: 'array', items: {} } } })),
    ).toEqual([
      `${P}.properties[spec].properties[a].type: Required value: must not be empty for specified object fields`,
      `${P}.properties[spec].properties[b].items.type: Required value: must not be empty for specified array items`,
    ]);
    expect(problems({ properties: { spec: { type: 'object' } } })).toEqual([
      `${P}.type: Required value: must not be empty at the root`,
    ]);
  });

  it('requires items of arrays and rejects additionalProperties at the root', () => {
    expect(problems(wrap({ type: 'array' }))).toEqual([
      `${P}.properties[spec].items: Required value: must be specified`,
    ]);
    expect(problems({ type: 'object', additionalProperties: { type: 'string' } })).toEqual([
      `${P}.additionalProperties: Forbidden: must not be used at the root`,
    ]);
  });

  it('allows only name and generateName in the root metadata', () => {
    expect(
      problems(
        wrap(
          { type: 'object' },
          {
            properties: {
              metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
            },
          },
        ),
      ),
    ).toEqual([]);
    expect(
      problems({
        type: 'object',
        properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
      }),
    ).toEqual([
      `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    expect(problems({ type: 'object', properties: { metadata: { type: 'string' } } })).toEqual([
      `${P}.properties[metadata].type: Invalid value: "string": must be object`,
    ]);
  });

  it('keeps types and extensions out of anyOf, allOf, oneOf and not', () => {
    expect(
      problems(
        wrap({
          type: 'object',
          properties: { a: { type: 'string', anyOf: [{ type: 'string', nullable: true }] } },
        }),
      ),
    ).toEqual([
      `${P}.properties[spec].properties[a].anyOf[0].nullable: Forbidden: must be false to be structural`,
      `${P}.properties[spec].properties[a].anyOf[0].type: Forbidden: must be empty to be structural`,
    ]);
  });

  it('requires what the root value validations mention to exist in the schema', () => {
    expect(
      problems(
        wrap(
          { type: 'object' },
          { anyOf: [{ required: ['spec'] }, { properties: { status: { required: ['x'] } } }] },
        ),
      ),
    ).toEqual([
      `${P}.properties[status]: Required value: because it is defined in ${P}.anyOf[1].properties[status]`,
    ]);
  });

  it('checks defaults against their schema and for unknown fields', () => {
    expect(
      problems(wrap({ type: 'object', properties: { replicas: { type: 'integer', default: 'one' } } })),
    ).toEqual([
      // kube's message has the empty path of the default itself, hence the double space.
      `${P}.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"`,
    ]);
    expect(
      problems(
        wrap({
          type: 'object',
          properties: { s: { type: 'object', default: { x: 1 }, properties: { y: { type: 'integer' } } } },
        }),
      ),
    ).toEqual([
      `${P}.properties[spec].properties[s].default: Invalid value: map[string]interface {}{"x":1}: must not have unknown fields`,
    ]);
    expect(problems({ type: 'object', properties: { metadata: { type: 'object', default: {} } } })).toEqual([
      `${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`,
    ]);
  });

  it('forbids what CRDs do not support', () => {
    expect(problems(wrap({ type: 'array', uniqueItems: true, items: { type: 'string' } }))).toEqual([
      `${P}.properties[spec].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
    ]);
    expect(
      problems(
        wrap({
          type: 'object',
          properties: { a: { type: 'string' } },
          additionalProperties: { type: 'string' },
        }),
      ),
    ).toEqual([
      `${P}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ]);
    expect(problems(wrap({ type: 'object', 'x-kubernetes-preserve-unknown-fields': false }))).toEqual([
      `${P}.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
    ]);
    expect(problems(wrap({ type: 'string', $ref: '#/definitions/x' }))).toEqual([
      `${P}.properties[spec].$ref: Forbidden: $ref is not supported`,
    ]);
    expect(problems(wrap({ type: 'null' }))).toEqual([
      `${P}.properties[spec].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      `${P}.properties[spec].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
    ]);
    expect(problems({ ...good, nullable: true })).toEqual([
      `${P}.nullable: Forbidden: nullable cannot be true at the root`,
    ]);
  });

  it('checks x-kubernetes-list-type and its keys', () => {
    expect(
      problems(
        wrap({
          type: 'object',
          properties: {
            a: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'string' } },
            b: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name', 'missing'],
              items: { type: 'object', properties: { name: { type: 'string' } } },
            },
            c: { type: 'string', 'x-kubernetes-list-type': 'set' },
            d: { type: 'array', 'x-kubernetes-list-type': 'bag' as 'set', items: { type: 'string' } },
          },
        }),
      ),
    ).toEqual([
      `${P}.properties[spec].properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
      `${P}.properties[spec].properties[a].items.type: Invalid value: "string": must be object if parent array's x-kubernetes-list-type is map`,
      `${P}.properties[spec].properties[b].x-kubernetes-list-map-keys: Invalid value: []interface {}{"name", "missing"}: entries must all be names of item properties`,
      `${P}.properties[spec].properties[b].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${P}.properties[spec].properties[c].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`,
      `${P}.properties[spec].properties[d].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`,
    ]);
  });

  it('requires embedded resources to be objects with properties or preserved fields', () => {
    expect(
      problems(
        wrap({
          type: 'object',
          properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true } },
        }),
      ),
    ).toEqual([
      `${P}.properties[spec].properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
    ]);
  });

  it('reports schemas that are not structural at all only when nothing else is wrong', () => {
    expect(problems(wrap({ type: 'object', patternProperties: { '^a': { type: 'string' } } }))).toEqual([
      `${P}.properties[spec].patternProperties: Forbidden: patternProperties is not supported`,
    ]);
  });
});
