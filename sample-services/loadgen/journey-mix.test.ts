import { describe, expect, it } from 'vitest';
import { DEFAULT_MIX, JOURNEY_KINDS, MixPicker, parseMix, resolveMix } from './journey-mix.ts';
import { seededRandom } from './random.ts';

describe('journey mix', () => {
  it('is mostly browsing and search by default', () => {
    const shares = new MixPicker(resolveMix()).shares();
    expect(shares.browse + shares.search + shares.product).toBeGreaterThan(0.6);
    expect(shares.order).toBeGreaterThan(0);
  });

  it('overrides only the weights given', () => {
    const mix = parseMix('browse=50, order=0');
    expect(mix).toEqual({ ...DEFAULT_MIX, browse: 50, order: 0 });
  });

  it('rejects unknown journeys, bad weights and an empty mix', () => {
    expect(() => parseMix('checkout=3')).toThrow(
      `unknown journey "checkout"; the journeys are ${JOURNEY_KINDS.join(', ')}`,
    );
    expect(() => parseMix('browse=lots')).toThrow('the weight of browse must be a number, got "lots"');
    expect(() => parseMix('browse')).toThrow('"browse" is not journey=weight');
    expect(() => resolveMix({ search: -1 })).toThrow('the weight of search must be a number >= 0');
    const none = Object.fromEntries(JOURNEY_KINDS.map((k) => [k, 0]));
    expect(() => resolveMix(none)).toThrow('every journey weight is 0');
  });

  it('draws each journey in proportion to its weight', () => {
    const picker = new MixPicker(
      parseMix(
        'browse=60,search=30,product=0,order=10,orderReplay=0,orderStatus=0,orderHistory=0,notifications=0',
      ),
    );
    const random = seededRandom(11);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const kind = picker.pick(random);
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['browse', 'order', 'search']);
    expect(counts.browse / 20_000).toBeCloseTo(0.6, 1);
    expect(counts.search / 20_000).toBeCloseTo(0.3, 1);
    expect(counts.order / 20_000).toBeCloseTo(0.1, 1);
  });
});
