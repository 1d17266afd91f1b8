import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { intOrPercent, withRules } from '../schemas/common.ts';
import { SchemaConversionError, toStructuralSchema } from './convert.ts';
import { structuralViolations } from './structural.ts';

describe('toStructuralSchema', () => {
  it('inlines reused schemas instead of emitting $ref', () => {
    const shared = z.object({ a: z.string() });
    const schema = toStructuralSchema(z.object({ x: shared, y: shared, list: z.array(shared).max(3) }));
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(schema.properties!.x).toEqual(schema.properties!.y);
    expect(schema.properties!.list.items).toEqual(schema.properties!.x);
  });

  it('drops additionalProperties: false and keeps maps as additionalProperties', () => {
    const schema = toStructuralSchema(
      z.strictObject({ labels: z.record(z.string(), z.string()).optional() }),
    );
    expect(schema).toEqual({
      type: 'object',
      properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
    });
  });

  it('writes integer|string unions in the x-kubernetes-int-or-string shape', () => {
    const schema = toStructuralSchema(
      z.object({ maxUnavailable: intOrPercent().default('25%').describe('d') }),
    );
    expect(schema.properties!.maxUnavailable).toEqual({
      description: 'd',
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      default: '25%',
      minimum: 0,
      pattern: '^(100|[1-9]?[0-9])%$',
    });
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('maps optional, default, enums, bounds, lengths and descriptions', () => {
    const schema = toStructuralSchema(
      z.object({
        mode: z.enum(['A', 'B']).default('A').describe('The mode.'),
        ratio: z.number().gt(0).max(1),
        name: z
          .string()
          .min(1)
          .max(63)
          .regex(/^[a-z]+$/),
        tags: z.array(z.string()).max(5).optional(),
        fixed: z.literal('v1'),
        when: z.iso.datetime({ offset: true }).meta({ description: 'A time.' }),
      }),
    );
    expect(schema.required).toEqual(['ratio', 'name', 'fixed', 'when']);
    expect(schema.properties).toEqual({
      mode: { description: 'The mode.', type: 'string', enum: ['A', 'B'], default: 'A' },
      ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
      name: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z]+$' },
      tags: { type: 'array', maxItems: 5, items: { type: 'string' } },
      fixed: { type: 'string', enum: ['v1'] },
      when: { description: 'A time.', type: 'string', format: 'date-time' },
    });
  });

  it('gives integers a format and drops the implicit safe-integer bounds', () => {
    const schema = toStructuralSchema(
      z.object({ small: z.int().min(0).max(100), big: z.int().min(0), any: z.int() }),
    );
    expect(schema.properties).toEqual({
      small: { type: 'integer', format: 'int32', minimum: 0, maximum: 100 },
      big: { type: 'integer', format: 'int64', minimum: 0 },
      any: { type: 'integer', format: 'int64' },
    });
  });

  it('carries Kubernetes extensions given as metadata', () => {
    const schema = toStructuralSchema(
      withRules(z.object({ a: z.int(), b: z.int() }), [
        { rule: 'self.a <= self.b', message: 'a must not exceed b' },
      ]),
    );
    expect(schema['x-kubernetes-validations']).toEqual([
      { rule: 'self.a <= self.b', message: 'a must not exceed b' },
    ]);
  });

  it('refuses what a structural schema cannot express, naming the field', () => {
    const union = z.object({
      spec: z.object({ fault: z.union([z.object({ a: z.string() }), z.object({ b: z.int() })]) }),
    });
    expect(() => toStructuralSchema(union)).toThrow(SchemaConversionError);
    expect(() => toStructuralSchema(union)).toThrow(
      /^spec\.fault: only integer\|string unions are structural/,
    );
    expect(() => toStructuralSchema(z.object({ n: z.string().nullable().or(z.int()) }))).toThrow(/^n: /);
    expect(() => toStructuralSchema(z.object({ t: z.tuple([z.string(), z.int()]) }))).toThrow(/^t: /);
    expect(() => toStructuralSchema(z.object({ c: z.string().or(z.boolean()) }))).toThrow(
      /^c: only integer\|string/,
    );
  });

  it('keeps unknown fields of open objects', () => {
    const schema = toStructuralSchema(z.object({ l: z.looseObject({ a: z.string() }) }));
    expect(schema.properties!.l).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(structuralViolations(schema)).toEqual([]);
  });
});
