import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { causeToString } from './field-path.ts';
import type { JSONSchemaProps } from './types.ts';
import { validate } from './validate.ts';

function specSchema(
  properties: Record<string, JSONSchemaProps>,
  extra: JSONSchemaProps = {},
): JSONSchemaProps {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', properties, ...extra },
    },
  };
}

function errorsOf(schema: JSONSchemaProps, spec: unknown): string[] {
  return validate(
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec },
    schema,
  ).map(causeToString);
}

describe('validate: kube’s messages', () => {
  it('reports type mismatches', () => {
    expect(errorsOf(specSchema({ replicas: { type: 'integer' } }), { replicas: 'string' })).toEqual([
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ]);
    expect(errorsOf(specSchema({ on: { type: 'boolean' } }), { on: 1 })).toEqual([
      'spec.on: Invalid value: "integer": spec.on in body must be of type boolean: "integer"',
    ]);
    expect(errorsOf(specSchema({ ratio: { type: 'number' } }), { ratio: 1 })).toEqual([]);
    expect(errorsOf(specSchema({ count: { type: 'integer' } }), { count: 1.5 })).toEqual([
      'spec.count: Invalid value: "number": spec.count in body must be of type integer: "number"',
    ]);
  });

  it('reports the type validation error with reason FieldValueTypeInvalid', () => {
    const [cause] = validate({ spec: { replicas: 'x' } }, specSchema({ replicas: { type: 'integer' } }));
    expect(cause).toEqual({
      reason: 'FieldValueTypeInvalid',
      field: 'spec.replicas',
      message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    });
  });

  it('reports missing required fields', () => {
    expect(errorsOf(specSchema({ targetRef: { type: 'object' } }, { required: ['targetRef'] }), {})).toEqual([
      'spec.targetRef: Required value',
    ]);
    expect(
      validate({}, { type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } }).map(
        causeToString,
      ),
    ).toEqual(['spec: Required value']);
  });

  it('reports values outside an enum', () => {
    expect(
      errorsOf(specSchema({ mode: { type: 'string', enum: ['Enforce', 'DryRun'] } }), { mode: 'Sometimes' }),
    ).toEqual(['spec.mode: Unsupported value: "Sometimes": supported values: "Enforce", "DryRun"']);
    expect(errorsOf(specSchema({ level: { type: 'integer', enum: [1, 2] } }), { level: 3 })).toEqual([
      'spec.level: Unsupported value: 3: supported values: "1", "2"',
    ]);
  });

  it('reports bounds of numbers as integers or floats, as Go prints them', () => {
    const s = specSchema({
      replicas: { type: 'integer', minimum: 1, maximum: 10 },
      weight: { type: 'integer', minimum: 0, exclusiveMinimum: true },
      ratio: { type: 'number', maximum: 1 },
      big: { type: 'number', maximum: 1000000 },
      step: { type: 'integer', multipleOf: 5 },
    });
    expect(errorsOf(s, { replicas: 0, weight: 0, ratio: 1.5, big: 2000000.5, step: 7 })).toEqual([
      'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
      'spec.weight: Invalid value: 0: spec.weight in body should be greater than 0',
      'spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than or equal to 1',
      'spec.big: Invalid value: 2.0000005e+06: spec.big in body should be less than or equal to 1e+06',
      'spec.step: Invalid value: 7: spec.step in body should be a multiple of 5',
    ]);
    expect(errorsOf(s, { replicas: 11 })).toEqual([
      'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    ]);
  });

  it('reports string length and pattern, one problem per value', () => {
    const s = specSchema({ name: { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z]+$' } });
    expect(errorsOf(s, { name: 'abcd' })).toEqual(['spec.name: Too long: may not be more than 3 bytes']);
    expect(errorsOf(s, { name: 'a' })).toEqual([
      'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
    ]);
    expect(errorsOf(s, { name: 'A1' })).toEqual([
      'spec.name: Invalid value: "A1": spec.name in body should match \'^[a-z]+$\'',
    ]);
    expect(errorsOf(s, { name: 'é' })).toHaveLength(1);
    expect(errorsOf(s, { name: 'éé' })).toEqual([
      'spec.name: Invalid value: "éé": spec.name in body should match \'^[a-z]+$\'',
    ]);
  });

  it('reports item and property counts and duplicate items', () => {
    const s = specSchema({
      items: { type: 'array', minItems: 1, maxItems: 3, uniqueItems: true, items: { type: 'string' } },
      props: { type: 'object', minProperties: 1, maxProperties: 2, additionalProperties: { type: 'string' } },
    });
    expect(errorsOf(s, { items: [], props: {} })).toEqual([
      'spec.items: Invalid value: 0: spec.items in body should have at least 1 items',
      'spec.props: Invalid value: 0: spec.props in body should have at least 1 properties',
    ]);
    expect(errorsOf(s, { items: ['a', 'b', 'c', 'a'], props: { a: 'x', b: 'y', c: 'z' } })).toEqual([
      'spec.items: Too many: 4: must have at most 3 items',
      'spec.items: Invalid value: "": spec.items in body shouldn\'t contain duplicates',
      'spec.props: Too many: 3: must have at most 2 items',
    ]);
  });

  it('validates array items and map values with their paths', () => {
    const s = specSchema({
      ports: {
        type: 'array',
        items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } },
      },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    });
    expect(errorsOf(s, { ports: [{ port: 80 }, { port: 'x' }, {}], labels: { a: 1 } })).toEqual([
      'spec.ports[1].port: Invalid value: "string": spec.ports[1].port in body must be of type integer: "string"',
      'spec.ports[2].port: Required value',
      'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    ]);
  });

  it('validates formats kube supports and ignores the others', () => {
    const s = specSchema({
      at: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      count: { type: 'integer', format: 'int32' },
      ip: { type: 'string', format: 'ipv4' },
      id: { type: 'string', format: 'uuid' },
      ttl: { type: 'string', format: 'duration' },
    });
    expect(
      errorsOf(s, {
        at: '2024-02-29T10:00:00Z',
        day: '2024-02-29',
        count: 2 ** 40,
        ip: '10.0.0.1',
        id: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
        ttl: '1h30m',
      }),
    ).toEqual([]);
    expect(errorsOf(s, { at: 'yesterday', day: '2023-02-29', ip: '1.2.3', id: 'x', ttl: 'soon' })).toEqual([
      'spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"',
      'spec.day: Invalid value: "2023-02-29": spec.day in body must be of type date: "2023-02-29"',
      'spec.ip: Invalid value: "1.2.3": spec.ip in body must be of type ipv4: "1.2.3"',
      'spec.id: Invalid value: "x": spec.id in body must be of type uuid: "x"',
      'spec.ttl: Invalid value: "soon": spec.ttl in body must be of type duration: "soon"',
    ]);
  });

  it('accepts null only where nullable', () => {
    const s = specSchema({ a: { type: 'string', nullable: true }, b: { type: 'string' } });
    expect(errorsOf(s, { a: null, b: null })).toEqual([
      'spec.b: Invalid value: "null": spec.b in body must be of type string: "null"',
    ]);
  });

  it('accepts integers and strings for x-kubernetes-int-or-string', () => {
    const s = specSchema({
      maxSurge: {
        'x-kubernetes-int-or-string': true,
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        pattern: '^[0-9]+%?$',
      },
    });
    expect(errorsOf(s, { maxSurge: 1 })).toEqual([]);
    expect(errorsOf(s, { maxSurge: '25%' })).toEqual([]);
    expect(errorsOf(s, { maxSurge: 'x' })).toEqual([
      'spec.maxSurge: Invalid value: "x": spec.maxSurge in body should match \'^[0-9]+%?$\'',
    ]);
    expect(errorsOf(s, { maxSurge: true })[0]).toBe(
      'spec.maxSurge: Invalid value: "boolean": spec.maxSurge in body must be of type integer,string: "boolean"',
    );
  });

  it('rejects properties additionalProperties: false forbids', () => {
    const s = specSchema({ fixed: { type: 'object', additionalProperties: false } });
    expect(errorsOf(s, { fixed: { x: 1 } })).toEqual([
      'spec.fixed: Invalid value: "x": spec.fixed.x in body is a forbidden property',
    ]);
  });

  it('reports anyOf, oneOf, allOf and not failures with the branch errors', () => {
    const s = specSchema({
      any: { type: 'string', anyOf: [{ enum: ['a'] }, { enum: ['b'] }] },
      one: { type: 'integer', oneOf: [{ minimum: 0 }, { maximum: 10 }] },
      all: { type: 'integer', allOf: [{ minimum: 0 }, { maximum: 10 }] },
      not: { type: 'string', not: { enum: ['forbidden'] } },
    });
    expect(errorsOf(s, { any: 'a', one: -5, all: 5, not: 'ok' })).toEqual([]);
    expect(errorsOf(s, { any: 'c', one: 5, all: 11, not: 'forbidden' })).toEqual([
      '<nil>: Invalid value: "": "spec.any" must validate at least one schema (anyOf)',
      'spec.any: Unsupported value: "c": supported values: "a"',
      '<nil>: Invalid value: "": "spec.one" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      'spec.all: Invalid value: 11: spec.all in body should be less than or equal to 10',
      '<nil>: Invalid value: "": "spec.all" must validate all the schemas (allOf)',
      '<nil>: Invalid value: "": "spec.not" must not validate the schema (not)',
    ]);
  });

  it('finds duplicates in x-kubernetes-list-type set and map lists', () => {
    const s = specSchema({
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
      },
      routes: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['host', 'port'],
        items: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } },
      },
    });
    expect(
      errorsOf(s, {
        tags: ['a', 'b', 'a', 'a'],
        ports: [
          { name: 'http', port: 80 },
          { name: 'http', port: 81 },
        ],
        routes: [
          { host: 'a', port: 1 },
          { port: 1, host: 'a' },
          { host: 'a', port: 2 },
        ],
      }),
    ).toEqual([
      'spec.tags[2]: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
      'spec.routes[1]: Duplicate value: map[string]interface {}{"host":"a", "port":1}',
    ]);
  });

  it('checks embedded resources', () => {
    const s = specSchema({
      template: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      },
    });
    expect(errorsOf(s, { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } })).toEqual([]);
    expect(
      errorsOf(s, { template: { kind: 'Not_A_Kind', metadata: { labels: { 'bad key': 'v' } } } }),
    ).toEqual([
      'spec.template.apiVersion: Required value: must not be empty',
      expect.stringContaining(
        'spec.template.kind: Invalid value: "Not_A_Kind": may have mixed case, but should otherwise match: a DNS-1035 label',
      ),
      expect.stringContaining(
        'spec.template.metadata.labels: Invalid value: "bad key": name part must consist of',
      ),
    ]);
  });

  it('accepts every value built to match the schema', () => {
    const s = specSchema({
      replicas: { type: 'integer', minimum: 0, maximum: 100 },
      mode: { type: 'string', enum: ['A', 'B'] },
      name: { type: 'string', maxLength: 8, pattern: '^[a-z]*$' },
      tags: { type: 'array', maxItems: 3, items: { type: 'string' } },
    });
    const spec = fc.record(
      {
        replicas: fc.integer({ min: 0, max: 100 }),
        mode: fc.constantFrom('A', 'B'),
        name: fc.stringMatching(/^[a-z]{0,8}$/),
        tags: fc.array(fc.string(), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(spec, (sp) => {
        expect(errorsOf(s, sp)).toEqual([]);
      }),
    );
  });
});
