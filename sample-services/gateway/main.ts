// gateway: the fleet's only public entry. Authenticates (JWT), rate-limits per client (buckets in
// its store, shared by all replicas), routes /api/v1 and /api/v2 to the services, and propagates
// x-request-id and traceparent.

import { z } from 'zod';
import { currentRequestContext, positiveInt, runService } from '../lib/index.ts';
import { migrations, rateLimit, TokenBucketLimiter } from './rate-limiter.ts';
import { registerGatewayRoutes } from './routes.ts';
import { TokenAuthority } from './tokens.ts';

await runService({
  name: 'gateway',
  config: {
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits for HS256)'),
    JWT_ISSUER: z.string().min(1).default('homeostat-gateway'),
    JWT_AUDIENCE: z.string().min(1).default('homeostat-fleet'),
    JWT_TTL_SECONDS: positiveInt(3600),
    RATE_LIMIT_RPS: z.coerce.number().positive().default(50),
    RATE_LIMIT_BURST: positiveInt(100),
    ORDERS_V1_DEPRECATED_AT: z.coerce.date().default(new Date('2026-06-01T00:00:00Z')),
    ORDERS_V1_SUNSET_AT: z.coerce.date().default(new Date('2027-06-01T00:00:00Z')),
  },
  dependencies: ['users', 'catalog', 'orders', 'payments', 'notifications'],
  // Placing an order runs a saga of three calls, each with its own timeout and retries.
  dependencyDefaults: { orders: { timeoutMs: 15_000 } },
  migrations,
  setup({ config, downstream, metrics, store, tasks, log }, router) {
    const limited = metrics.counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429 by the per-client rate limit.',
    });
    const limitErrors = metrics.counter({
      name: 'gateway_rate_limit_errors_total',
      help: 'Requests let through unchecked because the rate-limit store failed.',
    });
    const limiter = new TokenBucketLimiter(store, config.RATE_LIMIT_RPS, config.RATE_LIMIT_BURST);
    // Buckets unused long enough to be full again are forgotten: that is what a new bucket holds.
    tasks.every('rate-limit-prune', 60_000, async () => {
      await limiter.prune();
    });
    const tokens = new TokenAuthority({
      secret: config.JWT_SECRET,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.JWT_TTL_SECONDS,
    });
    registerGatewayRoutes(
      router,
      downstream,
      tokens,
      { ordersV1DeprecatedAt: config.ORDERS_V1_DEPRECATED_AT, ordersV1SunsetAt: config.ORDERS_V1_SUNSET_AT },
      rateLimit(limiter, {
        onLimited: () => limited.inc(),
        onError: (err, req) => {
          limitErrors.inc();
          (currentRequestContext()?.log ?? log).warn(
            { err, path: req.path },
            'rate-limit store failed; request let through',
          );
        },
      }),
    );
    return {};
  },
});
