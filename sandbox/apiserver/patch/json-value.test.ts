import { describe, expect, it } from 'vitest';
import {
  deepClone,
  deepEqual,
  goFloatString,
  goJson,
  goNumberString,
  sameJson,
  setOwn,
} from './json-value.ts';

describe('json-value helpers', () => {
  it('print floats as Go’s %v does', () => {
    expect(goFloatString(1.5)).toBe('1.5');
    expect(goFloatString(100000)).toBe('100000');
    expect(goFloatString(1000000)).toBe('1e+06');
    expect(goFloatString(123456789)).toBe('1.23456789e+08');
    expect(goFloatString(0.0001)).toBe('0.0001');
    expect(goFloatString(0.00001)).toBe('1e-05');
    expect(goNumberString(1000000)).toBe('1000000');
    expect(goNumberString(2.5)).toBe('2.5');
  });

  it('escape JSON as Go’s encoder does', () => {
    expect(goJson({ a: '<b>&' })).toBe('{"a":"\\u003cb\\u003e\\u0026"}');
  });

  it('compare and copy JSON values', () => {
    const v = { a: [1, { b: null }], c: 'x' };
    expect(deepEqual(v, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(deepEqual(v, { c: 'x', a: [1, {}] })).toBe(false);
    // sameJson compares what JSON.stringify would write: undefined-valued keys are absent.
    expect(sameJson({ ...v, d: undefined }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(sameJson(v, { c: 'x', a: [1, { b: null }], d: 0 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    const copy = deepClone(v);
    expect(copy).toEqual(v);
    expect(copy.a).not.toBe(v.a);
  });

  it('set "__proto__" as an own key', () => {
    const o: Record<string, unknown> = {};
    setOwn(o, '__proto__', 1);
    expect(Object.keys(o)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });
});
