import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { validateCustomResource } from './custom-resource.ts';
import type { JSONSchemaProps } from './types.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['targetRef'],
      properties: {
        targetRef: { type: 'object', properties: { name: { type: 'string' } } },
        replicas: { type: 'integer', minimum: 0, default: 1 },
        mode: { type: 'string', enum: ['Enforce', 'DryRun'], default: 'DryRun' },
        note: { type: 'string' },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

function widget(spec: Record<string, unknown>): Record<string, any> {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec };
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

describe('validateCustomResource', () => {
  it('prunes, defaults and accepts a valid object without touching the input', () => {
    const input = widget({ targetRef: { name: 'web', kind: 'Deployment' }, note: null });
    const copy = structuredClone(input);
    const { object, warnings } = validateCustomResource(input, schema, { fieldValidation: 'Ignore' });
    expect(object.spec).toEqual({ targetRef: { name: 'web' }, replicas: 1, mode: 'DryRun' });
    expect(warnings).toEqual([]);
    expect(input).toEqual(copy);
  });

  it('rejects unknown fields under Strict with kube’s decoding error', () => {
    const err = apiError(() =>
      validateCustomResource({ ...widget({ targetRef: {}, foo: 1 }), extra: true }, schema, {
        fieldValidation: 'Strict',
      }),
    );
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(
      'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "extra", unknown field "spec.foo"',
    );
  });

  it('warns about unknown fields under Warn and drops them', () => {
    const body = widget({ targetRef: {}, foo: 1 });
    body.metadata.bogus = 1;
    const { object, warnings } = validateCustomResource(body, schema, { fieldValidation: 'Warn' });
    expect(warnings).toEqual(['unknown field "metadata.bogus"', 'unknown field "spec.foo"']);
    expect(object.spec).not.toHaveProperty('foo');
    expect(object.metadata).not.toHaveProperty('bogus');
  });

  it('keeps fields under x-kubernetes-preserve-unknown-fields', () => {
    const { object } = validateCustomResource(
      { ...widget({ targetRef: {} }), status: { anything: [1] } },
      schema,
      {
        fieldValidation: 'Strict',
      },
    );
    expect(object.status).toEqual({ anything: [1] });
  });

  it('rejects invalid objects with 422 naming every field', () => {
    const err = apiError(() =>
      validateCustomResource(widget({ replicas: 'three', mode: 'Sometimes' }), schema, {
        fieldValidation: 'Strict',
        group: 'example.com',
      }),
    );
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.details).toMatchObject({ name: 'w', group: 'example.com', kind: 'Widget' });
    expect(err.details?.causes?.map((c) => c.field)).toEqual([
      'spec.replicas',
      'spec.mode',
      'spec.targetRef',
    ]);
    // How several causes are joined is errors.ts's business; each must be there as kube prints it.
    expect(err.message.startsWith('Widget.example.com "w" is invalid: ')).toBe(true);
    for (const text of [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.mode: Unsupported value: "Sometimes": supported values: "Enforce", "DryRun"',
      'spec.targetRef: Required value',
    ]) {
      expect(err.message).toContain(text);
    }
  });

  it('validates after defaulting, so defaults satisfy required fields and bounds', () => {
    const strict: JSONSchemaProps = {
      ...schema,
      properties: { ...schema.properties, spec: { ...schema.properties!.spec, required: ['replicas'] } },
    };
    expect(() =>
      validateCustomResource(widget({ targetRef: {} }), strict, { fieldValidation: 'Strict' }),
    ).not.toThrow();
  });

  it('reports metadata that cannot be decoded as a 400', () => {
    const body = widget({ targetRef: {} });
    body.metadata.finalizers = 'x';
    const err = apiError(() => validateCustomResource(body, schema, { fieldValidation: 'Ignore' }));
    expect(err.code).toBe(400);
    expect(err.message).toBe(
      'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string',
    );
  });

  it('keeps every field when the version has no schema', () => {
    const body = widget({ anything: 1 });
    expect(validateCustomResource(body, undefined, { fieldValidation: 'Strict' }).object).toEqual(body);
  });
});
