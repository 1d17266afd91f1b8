import { describe, expect, it } from 'vitest';
import { Expectations } from './expectations.ts';
import { formatLabelSelector, isEmptySelector, mapSelectorMatches, selectorMatches } from './labels.ts';

describe('label selectors', () => {
  it('matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels),
    ).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(
      false,
    );
    expect(() => selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Near' }] }, labels)).toThrow(
      /operator "Near" for key "app"/,
    );
  });

  it('a missing selector selects nothing, an empty one everything; service selectors need at least one label', () => {
    expect(selectorMatches(undefined, { a: 'b' })).toBe(false);
    expect(selectorMatches({}, { a: 'b' })).toBe(true);
    expect(isEmptySelector({})).toBe(true);
    expect(isEmptySelector({ matchLabels: { a: 'b' } })).toBe(false);
    expect(mapSelectorMatches({}, { a: 'b' })).toBe(false);
    expect(mapSelectorMatches({ a: 'b' }, { a: 'b', c: 'd' })).toBe(true);
  });
});

describe('controller expectations', () => {
  it('holds a sync back until the creations and deletions it made are observed', () => {
    const e = new Expectations();
    expect(e.satisfied('rs')).toBe(true);
    e.expectCreations('rs', 2);
    expect(e.satisfied('rs')).toBe(false);
    e.creationObserved('rs');
    expect(e.satisfied('rs')).toBe(false);
    e.creationObserved('rs');
    expect(e.satisfied('rs')).toBe(true);
    e.expectDeletions('rs', ['ns/a', 'ns/b']);
    e.deletionObserved('rs', 'ns/a');
    e.deletionObserved('rs', 'ns/a');
    e.deletionObserved('rs', 'ns/unrelated');
    expect(e.satisfied('rs')).toBe(false);
    e.deletionObserved('rs', 'ns/b');
    expect(e.satisfied('rs')).toBe(true);
  });

  it('expires, in case an event was lost', () => {
    const e = new Expectations(1000);
    e.expectCreations('rs', 1);
    expect(e.satisfied('rs', Date.now() + 500)).toBe(false);
    expect(e.satisfied('rs', Date.now() + 1500)).toBe(true);
  });
});

describe('formatLabelSelector', () => {
  it('prints requirements sorted by key, as kubectl shows selectors', () => {
    expect(
      formatLabelSelector({
        matchLabels: { tier: 'front', app: 'web' },
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['b', 'a'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'owner', operator: 'Exists' },
        ],
      }),
    ).toBe('app=web,!canary,env notin (dev),owner,tier=front,zone in (a,b)');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(undefined)).toBe('<none>');
  });
});
