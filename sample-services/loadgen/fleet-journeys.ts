// Shoppers against the fleet's gateway. A fixed population of virtual users; each registers and
// signs in once and then reuses its token, so the gateway's per-user rate limits and the users
// service's password hashing see realistic traffic. Each arrival is one request: a journey step
// drawn from the mix for a randomly chosen user.

import { randomUUID } from 'node:crypto';
import type { Arrival } from './arrivals.ts';
import type { HttpAnswer, HttpClient } from './http-client.ts';
import { type JourneyKind, type JourneyMix, MixPicker, resolveMix } from './journey-mix.ts';
import type { Operation } from './open-loop-runner.ts';
import { integerBetween, pickOne, type Random } from './random.ts';
import type { Outcome } from './request-stats.ts';

/** The demo catalogue's products (sku-0001 … sku-0024) and categories, as catalog seeds them. */
export const PRODUCT_COUNT = 24;
const CATEGORIES = ['books', 'kitchen', 'garden', 'outdoor', 'tools', 'games'];
/** Mostly words that match products, some that match nothing (a real search box sees both). */
const SEARCH_TERMS = [
  'guide',
  'kettle',
  'knife',
  'seeds',
  'lantern',
  'drill',
  'chess',
  'puzzle',
  'backpack',
  'bottle',
  'shears',
  'level',
  'theory',
  'compost',
  'wrench',
  'umbrella',
  'telescope',
];
const PASSWORD = 'loadgen-password-1';
const KEPT_ORDERS = 20;

export interface FleetJourneyOptions {
  gatewayUrl: string;
  client: HttpClient;
  random: Random;
  /** Weights over the default mix. */
  mix?: Partial<JourneyMix>;
  /** Virtual users (default 20). Each is rate-limited on its own by the gateway. */
  users?: number;
  /** Share of browse/search/product steps sent without a token (default 0.1). */
  anonymousShare?: number;
  /** Share of orders paid with the always-declined test card (default 0.02). */
  declineShare?: number;
  /** Makes e-mail addresses and idempotency keys unique to this run (default: random). */
  runId?: string;
}

type UserPhase = 'new' | 'registered' | 'ready';

interface PlacedOrder {
  key: string;
  body: { items: { productId: string; quantity: number }[]; paymentMethod: string };
}

interface VirtualUser {
  index: number;
  email: string;
  phase: UserPhase;
  /** A sign-up step is in flight; other arrivals for this user browse anonymously meanwhile. */
  busy: boolean;
  token?: string;
  orders: string[];
  lastOrder?: PlacedOrder;
}

export interface SetupSummary {
  users: number;
  ready: number;
  /** Sign-up requests by step and status. */
  requests: Record<string, Record<string, number>>;
  seconds: number;
}

export class SetupError extends Error {
  override name = 'SetupError';
}

export class FleetJourneys {
  readonly mix: JourneyMix;
  readonly runId: string;
  private readonly picker: MixPicker;
  private readonly users: VirtualUser[];
  private readonly base: string;
  private readonly anonymousShare: number;
  private readonly declineShare: number;
  private orderCounter = 0;
  private placed = 0;

  constructor(private readonly options: FleetJourneyOptions) {
    this.mix = resolveMix(options.mix ?? {});
    this.picker = new MixPicker(this.mix);
    const count = options.users ?? 20;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`users must be a whole number >= 1, got ${count}`);
    this.anonymousShare = share(options.anonymousShare ?? 0.1, 'anonymousShare');
    this.declineShare = share(options.declineShare ?? 0.02, 'declineShare');
    this.runId = options.runId ?? randomUUID().slice(0, 8);
    let url: URL;
    try {
      url = new URL(options.gatewayUrl);
    } catch {
      throw new RangeError(`gatewayUrl "${options.gatewayUrl}" is not a URL`);
    }
    this.base = url.origin;
    this.users = Array.from({ length: count }, (_, index) => ({
      index,
      email: `loadgen-${this.runId}-${index}@loadgen.homeostat.dev`,
      phase: 'new' as UserPhase,
      busy: false,
      orders: [],
    }));
  }

  /** Users signed in and ready. */
  get readyUsers(): number {
    return this.users.filter((u) => u.phase === 'ready').length;
  }

  /** Orders the fleet accepted (2xx) during this run. */
  get ordersPlaced(): number {
    return this.placed;
  }

  /**
   * Registers and signs in every user before a measured run, a few at a time (password hashing is
   * deliberately slow). Retries a failed step up to three times; throws when no user could sign in.
   */
  async prepare(
    options: { concurrency?: number; signal?: AbortSignal; onUser?: () => void } = {},
  ): Promise<SetupSummary> {
    const started = performance.now();
    const requests: Record<string, Record<string, number>> = {};
    const count = (step: string, answer: HttpAnswer) => {
      const key = answer.status === 0 ? (answer.error ?? 'no_response') : String(answer.status);
      requests[step] ??= {};
      requests[step][key] = (requests[step][key] ?? 0) + 1;
    };
    await this.ensureReachable(options.signal);
    let lastProblem = '';
    let next = 0;
    const worker = async () => {
      while (next < this.users.length && !options.signal?.aborted) {
        const user = this.users[next++];
        let failures = 0;
        while (phaseOf(user) !== 'ready' && failures < 4 && !options.signal?.aborted) {
          const step = user.phase === 'new' ? 'register' : 'login';
          const before = user.phase;
          const answer = await this.signUpStep(user, options.signal);
          count(step, answer);
          if (phaseOf(user) === before) {
            failures++;
            lastProblem = `${step} of ${user.email}: ${describe(answer)}`;
            await new Promise((r) => setTimeout(r, 200 * 2 ** failures));
          }
        }
        options.onUser?.();
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, this.users.length) }, worker));
    const ready = this.readyUsers;
    if (ready === 0 && !options.signal?.aborted)
      throw new SetupError(`no virtual user could sign in at ${this.base}; last problem: ${lastProblem}`);
    return { users: this.users.length, ready, requests, seconds: (performance.now() - started) / 1000 };
  }

  /** Fails fast, with the reason, when nothing answers at the gateway's address. */
  private async ensureReachable(signal?: AbortSignal): Promise<void> {
    let answer: HttpAnswer | undefined;
    for (let attempt = 0; attempt < 3 && !signal?.aborted; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      answer = await this.options.client.request({ url: `${this.base}/health/ready`, signal });
      if (answer.status > 0) return;
    }
    if (answer && !signal?.aborted)
      throw new SetupError(`the gateway at ${this.base} is unreachable: ${describe(answer)}`);
  }

  /** One request per arrival: a journey step for a random user. Never throws. */
  readonly operation: Operation = async (_arrival: Arrival, signal: AbortSignal): Promise<Outcome> => {
    const random = this.options.random;
    const user = pickOne(random, this.users);
    let kind: JourneyKind | 'register' | 'login' = this.picker.pick(random);
    const signedIn = user.phase === 'ready' && user.token !== undefined;
    const needsUser = kind !== 'browse' && kind !== 'search' && kind !== 'product';
    if (needsUser && !signedIn) {
      if (user.busy) kind = 'browse';
      else
        return this.outcome(user.phase === 'new' ? 'register' : 'login', await this.signUpStep(user, signal));
    }
    // Steps that need history fall back to what the user can do without it.
    if (kind === 'orderReplay' && !user.lastOrder) kind = 'order';
    if (kind === 'orderStatus' && user.orders.length === 0) kind = 'orderHistory';
    const token = signedIn && (needsUser || random() >= this.anonymousShare) ? user.token : undefined;
    const answer = await this.step(kind as JourneyKind, user, token, signal);
    if (answer.status === 401 && token) {
      // Expired or no longer valid (e.g. the gateway's key changed): sign in again next time.
      user.phase = 'registered';
      user.token = undefined;
    }
    return this.outcome(kind, answer);
  };

  private async step(kind: JourneyKind, user: VirtualUser, token: string | undefined, signal: AbortSignal) {
    const random = this.options.random;
    const get = (path: string) => this.options.client.request({ url: this.base + path, token, signal });
    switch (kind) {
      case 'browse': {
        const query =
          random() < 0.5 ? `category=${pickOne(random, CATEGORIES)}` : `offset=${pickOne(random, [0, 12])}`;
        return get(`/api/v1/products?limit=12&${query}`);
      }
      case 'search':
        return get(`/api/v1/products/search?q=${encodeURIComponent(pickOne(random, SEARCH_TERMS))}&limit=10`);
      case 'product':
        return get(`/api/v1/products/${productId(popularProduct(random))}`);
      case 'order':
        return this.placeOrder(user, token!, this.newOrder(), signal);
      case 'orderReplay':
        // A client that lost the answer sends the same order with the same key again.
        return this.placeOrder(user, token!, user.lastOrder!, signal);
      case 'orderStatus':
        return get(`/api/v2/orders/${pickOne(random, user.orders)}`);
      case 'orderHistory':
        return get('/api/v2/orders?limit=10');
      case 'notifications':
        return get('/api/v1/notifications?limit=20');
    }
  }

  private newOrder(): PlacedOrder {
    const random = this.options.random;
    const lines = integerBetween(random, 1, 3);
    const chosen = new Set<number>();
    while (chosen.size < lines) chosen.add(popularProduct(random));
    return {
      key: `loadgen-${this.runId}-${++this.orderCounter}`,
      body: {
        items: [...chosen].map((n) => ({ productId: productId(n), quantity: integerBetween(random, 1, 2) })),
        paymentMethod: random() < this.declineShare ? 'pm_card_declined' : 'pm_card_visa',
      },
    };
  }

  private async placeOrder(user: VirtualUser, token: string, order: PlacedOrder, signal: AbortSignal) {
    const answer = await this.options.client.request({
      method: 'POST',
      url: `${this.base}/api/v2/orders`,
      token,
      headers: { 'idempotency-key': order.key },
      body: order.body,
      signal,
    });
    // Only now may the order be replayed: a replay is a client resending after the first attempt's
    // answer (or its loss), never a race with that attempt, which could legitimately win with 201.
    user.lastOrder = order;
    const body = answer.body as { id?: unknown; order?: { id?: unknown } } | undefined;
    const id = body?.id ?? body?.order?.id;
    if (typeof id === 'string' && !user.orders.includes(id)) {
      user.orders.push(id);
      if (user.orders.length > KEPT_ORDERS) user.orders.shift();
    }
    if (answer.status >= 200 && answer.status < 300 && answer.headers['idempotent-replayed'] === undefined)
      this.placed++;
    return answer;
  }

  /** Registers (new users) or signs in (registered users); the answer's token makes the user ready. */
  private async signUpStep(user: VirtualUser, signal?: AbortSignal): Promise<HttpAnswer> {
    user.busy = true;
    try {
      const register = user.phase === 'new';
      const answer = await this.options.client.request({
        method: 'POST',
        url: `${this.base}/api/v1/auth/${register ? 'register' : 'login'}`,
        body: register
          ? { email: user.email, password: PASSWORD, name: `Load Generator ${user.index}` }
          : { email: user.email, password: PASSWORD },
        signal,
      });
      const token = (answer.body as { token?: unknown } | undefined)?.token;
      if (register && (answer.status === 201 || answer.error === 'email_taken')) {
        // Registration answers with a token too, but every user signs in once, as real ones do.
        user.phase = 'registered';
      } else if (!register && answer.status === 200 && typeof token === 'string') {
        user.phase = 'ready';
        user.token = token;
      }
      return answer;
    } finally {
      user.busy = false;
    }
  }

  private outcome(kind: string, answer: HttpAnswer): Outcome {
    return answer.error === undefined
      ? { kind, status: answer.status }
      : { kind, status: answer.status, error: answer.error };
  }
}

/** Read through a call, so narrowing does not assume the phase stayed what it was. */
function phaseOf(user: VirtualUser): UserPhase {
  return user.phase;
}

function productId(n: number): string {
  return `sku-${String(n).padStart(4, '0')}`;
}

/** Product numbers 1..24, the first ones far more popular (roughly a power law). */
function popularProduct(random: Random): number {
  return 1 + Math.floor(PRODUCT_COUNT * random() ** 2);
}

function share(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

function describe(answer: HttpAnswer): string {
  if (answer.status === 0) return `no answer (${answer.error})`;
  return `${answer.status}${answer.error ? ` ${answer.error}` : ''}`;
}
