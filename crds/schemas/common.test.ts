import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compare,
  durationSchema,
  formatDuration,
  intOrPercent,
  isQualifiedName,
  LabelSelectorSchema,
  listMap,
  listSet,
  matchesLabelSelector,
  ObjectMetaSchema,
  parseDuration,
  resolveIntOrPercent,
} from './common.ts';

describe('durations', () => {
  it('parses Go durations into milliseconds', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2h45m30s500ms')).toBe(9_930_500);
  });

  it('rejects anything that is not a Go duration, naming the input', () => {
    for (const bad of ['5 minutes', '5', '', '-5s', '1d', '1h 30m', 'm5']) {
      expect(() => parseDuration(bad), bad).toThrow(/invalid duration/);
    }
  });

  it('formats milliseconds back into a duration that parses to the same value', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        (ms) => parseDuration(formatDuration(ms)) === ms,
      ),
    );
  });

  it('enforces bounds', () => {
    const schema = durationSchema({ min: '10s', max: '1h' });
    expect(schema.safeParse('30s').success).toBe(true);
    expect(schema.safeParse('5s').error?.issues[0].message).toBe('must be at least 10s');
    expect(schema.safeParse('61m').error?.issues[0].message).toBe('must be at most 1h');
    expect(durationSchema().safeParse('0s').error?.issues[0].message).toBe('must be longer than zero');
    expect(durationSchema({ allowZero: true }).safeParse('0s').success).toBe(true);
    expect(durationSchema().safeParse('5 minutes').error?.issues).toHaveLength(1);
  });
});

describe('names and labels', () => {
  it('accepts qualified names as Kubernetes does', () => {
    for (const good of [
      'app',
      'app.kubernetes.io/name',
      'homeostat.dev/chaos-enabled',
      'A_b.c-D',
      'x'.repeat(63),
    ]) {
      expect(isQualifiedName(good), good).toBe(true);
    }
    for (const bad of [
      '',
      '/app',
      'app/',
      '-app',
      'app-',
      'Upper.Case/name',
      'x'.repeat(64),
      `${'a'.repeat(254)}/x`,
    ]) {
      expect(isQualifiedName(bad), bad).toBe(false);
    }
  });

  it('requires a name or generateName in metadata, and keeps fields it does not know', () => {
    expect(ObjectMetaSchema.safeParse({}).error?.issues[0].path).toEqual(['name']);
    const parsed = ObjectMetaSchema.parse({ generateName: 'exp-', managedFields: [{ manager: 'kubectl' }] });
    expect(parsed).toEqual({ generateName: 'exp-', managedFields: [{ manager: 'kubectl' }] });
    expect(ObjectMetaSchema.safeParse({ name: 'Orders' }).success).toBe(false);
  });
});

describe('label selectors', () => {
  const labels = { app: 'orders', tier: 'backend' };

  it('matches with Kubernetes semantics', () => {
    expect(matchesLabelSelector({ matchLabels: { app: 'orders' } }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { app: 'payments' } }, labels)).toBe(false);
    expect(
      matchesLabelSelector(
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      matchesLabelSelector(
        { matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels),
    ).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(
      true,
    );
    expect(matchesLabelSelector({}, labels)).toBe(true);
  });

  it('rejects requirements whose values do not fit the operator', () => {
    const bad = LabelSelectorSchema.safeParse({
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
      ],
    });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['matchExpressions.0.values', 'operator In needs at least one value'],
      ['matchExpressions.1.values', 'operator Exists takes no values'],
    ]);
  });
});

describe('int-or-percent', () => {
  it('accepts integers and percentages up to 100%', () => {
    const schema = intOrPercent();
    for (const good of [0, 3, '0%', '25%', '100%'])
      expect(schema.safeParse(good).success, String(good)).toBe(true);
    for (const bad of ['101%', '25', '25.5%', 'x%']) {
      expect(schema.safeParse(bad).error?.issues[0].message, bad).toMatch(/percentage from "0%" to "100%"/);
    }
    expect(schema.safeParse(-1).error?.issues[0].message).toMatch(/>=0/);
    expect(schema.safeParse(1.5).error?.issues[0].message).toMatch(/integer/);
    expect(schema.safeParse(true).error?.issues[0].message).toMatch(/non-negative integer or a percentage/);
  });

  it('scales percentages like intstr.GetScaledValueFromIntOrPercent', () => {
    expect(resolveIntOrPercent(2, 10, true)).toBe(2);
    expect(resolveIntOrPercent('25%', 10, true)).toBe(3);
    expect(resolveIntOrPercent('25%', 10, false)).toBe(2);
    expect(resolveIntOrPercent('100%', 7, false)).toBe(7);
    expect(() => resolveIntOrPercent('lots', 7, false)).toThrow(/invalid int-or-percent/);
  });
});

describe('keyed lists', () => {
  it('rejects duplicate keys and values, pointing at the duplicate', () => {
    const map = listMap(z.object({ name: z.string(), ns: z.string() }), ['ns', 'name'], 10);
    const result = map.safeParse([
      { ns: 'a', name: 'x' },
      { ns: 'b', name: 'x' },
      { ns: 'a', name: 'x' },
    ]);
    expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [[2], 'duplicate entry: ns, name already used by item 0'],
    ]);
    expect(listSet(z.string(), 5).safeParse(['a', 'b', 'a']).error?.issues[0].path).toEqual([2]);
    expect(listSet(z.string(), 2).safeParse(['a', 'b', 'c']).success).toBe(false);
  });
});

describe('compare', () => {
  it('evaluates every comparison', () => {
    expect(compare(2, 'GreaterThan', 1)).toBe(true);
    expect(compare(1, 'GreaterThan', 1)).toBe(false);
    expect(compare(1, 'GreaterThanOrEqual', 1)).toBe(true);
    expect(compare(0, 'LessThan', 1)).toBe(true);
    expect(compare(1, 'LessThanOrEqual', 1)).toBe(true);
    expect(compare(1, 'Equal', 1)).toBe(true);
    expect(compare(1, 'NotEqual', 1)).toBe(false);
  });
});
