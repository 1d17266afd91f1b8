// The mix of user journeys: relative weights of the steps a shopper takes. Browsing and search
// dominate, as in any shop; some users order, check their orders and read their notifications.

import type { Random } from './random.ts';

export const JOURNEY_KINDS = [
  'browse',
  'search',
  'product',
  'order',
  'orderReplay',
  'orderStatus',
  'orderHistory',
  'notifications',
] as const;
export type JourneyKind = (typeof JOURNEY_KINDS)[number];
export type JourneyMix = Record<JourneyKind, number>;

/** What each kind of step does, for help texts and reports. */
export const JOURNEY_DESCRIPTIONS: Record<JourneyKind, string> = {
  browse: 'GET /api/v1/products (a page, sometimes of one category)',
  search: 'GET /api/v1/products/search?q=...',
  product: 'GET /api/v1/products/:id (popular products more often)',
  order: 'POST /api/v2/orders with a new Idempotency-Key',
  orderReplay: 'POST /api/v2/orders again with the last Idempotency-Key (a client retry; expect 200)',
  orderStatus: 'GET /api/v2/orders/:id of an order the user placed',
  orderHistory: 'GET /api/v2/orders (the user\u2019s history)',
  notifications: 'GET /api/v1/notifications',
};

export const DEFAULT_MIX: Readonly<JourneyMix> = Object.freeze({
  browse: 30,
  search: 20,
  product: 20,
  order: 8,
  orderReplay: 1,
  orderStatus: 8,
  orderHistory: 6,
  notifications: 7,
});

export class MixError extends Error {
  override name = 'MixError';
}

/** The default mix with some weights replaced; throws on unknown kinds or bad weights. */
export function resolveMix(
  overrides: Partial<Record<string, number>> = {},
  base: JourneyMix = DEFAULT_MIX,
): JourneyMix {
  const mix: JourneyMix = { ...base };
  for (const [kind, weight] of Object.entries(overrides)) {
    if (weight === undefined) continue;
    if (!(JOURNEY_KINDS as readonly string[]).includes(kind))
      throw new MixError(`unknown journey "${kind}"; the journeys are ${JOURNEY_KINDS.join(', ')}`);
    if (!Number.isFinite(weight) || weight < 0)
      throw new MixError(`the weight of ${kind} must be a number >= 0, got ${weight}`);
    mix[kind as JourneyKind] = weight;
  }
  if (JOURNEY_KINDS.every((k) => mix[k] === 0))
    throw new MixError('every journey weight is 0; nothing to send');
  return mix;
}

/** Parses "browse=40,order=0" into weights over the default mix. */
export function parseMix(text: string, base: JourneyMix = DEFAULT_MIX): JourneyMix {
  const overrides: Record<string, number> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = /^([A-Za-z]+)\s*=\s*(.+)$/.exec(item);
    if (!match) throw new MixError(`"${item}" is not journey=weight`);
    const weight = Number(match[2]);
    if (match[2].trim() === '' || Number.isNaN(weight))
      throw new MixError(`the weight of ${match[1]} must be a number, got "${match[2]}"`);
    overrides[match[1]] = weight;
  }
  return resolveMix(overrides, base);
}

/** Draws journey kinds in proportion to their weights. */
export class MixPicker {
  private readonly kinds: JourneyKind[] = [];
  private readonly cumulative: number[] = [];
  private readonly sum: number;

  constructor(readonly mix: JourneyMix) {
    let sum = 0;
    for (const kind of JOURNEY_KINDS) {
      if (mix[kind] <= 0) continue;
      sum += mix[kind];
      this.kinds.push(kind);
      this.cumulative.push(sum);
    }
    if (sum === 0) throw new MixError('every journey weight is 0; nothing to send');
    this.sum = sum;
  }

  pick(random: Random): JourneyKind {
    const x = random() * this.sum;
    for (let i = 0; i < this.cumulative.length; i++) if (x < this.cumulative[i]) return this.kinds[i];
    return this.kinds[this.kinds.length - 1];
  }

  /** Each kind's share of the mix, 0..1. */
  shares(): Record<JourneyKind, number> {
    const out = {} as Record<JourneyKind, number>;
    for (const kind of JOURNEY_KINDS) out[kind] = this.mix[kind] / this.sum;
    return out;
  }
}
