import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { createMergePatch, mergePatch } from './merge-patch.ts';

describe('mergePatch', () => {
  it('merges objects, replaces lists and deletes null keys (RFC 7386 examples)', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: 'b', b: 'c' }, { a: null })).toEqual({ b: 'c' });
    expect(mergePatch({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'c' }, { a: ['b'] })).toEqual({ a: ['b'] });
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(mergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('scales a deployment and removes a label', () => {
    const dep = { metadata: { labels: { app: 'web', stale: 'x' } }, spec: { replicas: 1, paused: false } };
    expect(mergePatch(dep, { metadata: { labels: { stale: null } }, spec: { replicas: 3 } })).toEqual({
      metadata: { labels: { app: 'web' } },
      spec: { replicas: 3, paused: false },
    });
  });

  it('drops nulls inside new objects, also inside lists of new values', () => {
    expect(mergePatch({}, { a: [{ x: null, y: 1 }, null] })).toEqual({ a: [{ y: 1 }, null] });
  });

  it('does not modify its inputs', () => {
    const doc = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    mergePatch(doc, patch);
    expect(doc).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: 2 } });
  });

  it('treats "__proto__" in a body as an ordinary key', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const out = mergePatch({}, patch) as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects patches that are not objects with 400', () => {
    for (const bad of [null, 'x', 1, true]) {
      try {
        mergePatch({}, bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        expect((e as ApiError).code).toBe(400);
        expect((e as ApiError).message).toBe('Invalid JSON Patch');
      }
    }
  });

  // Values without nulls: a merge patch cannot express "set to null".
  const value = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.array(tie('value'), { maxLength: 3 }),
      tie('object'),
    ),
    object: fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), tie('value'), { maxKeys: 4 }),
  }));

  it('applying the patch computed between two documents yields the second', () => {
    fc.assert(
      fc.property(value.object, value.object, (a, b) => {
        expect(mergePatch(a, createMergePatch(a, b))).toEqual(b);
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(value.object, value.object, (doc, patch) => {
        const once = mergePatch(doc, patch);
        expect(mergePatch(once, patch)).toEqual(once);
      }),
    );
  });

  it('an empty patch changes nothing', () => {
    fc.assert(
      fc.property(value.object, (doc) => {
        expect(mergePatch(doc, {})).toEqual(doc);
      }),
    );
  });
});
