// gateway: the fleet's only public entry. Authenticates (JWT), rate-limits per client, routes
// /api/v1 and /api/v2 to the services, and propagates x-request-id and traceparent.

import { z } from 'zod';
import { positiveInt, runService } from '../lib/index.ts';
import { rateLimit, TokenBucketLimiter } from './rate-limiter.ts';
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
    RATE_LIMIT_MAX_CLIENTS: positiveInt(10_000),
    ORDERS_V1_DEPRECATED_AT: z.coerce.date().default(new Date('2026-06-01T00:00:00Z')),
    ORDERS_V1_SUNSET_AT: z.coerce.date().default(new Date('2027-06-01T00:00:00Z')),
  },
  dependencies: ['users', 'catalog', 'orders', 'payments', 'notifications'],
  // Placing an order runs a saga of three calls, each with its own timeout and retries.
  dependencyDefaults: { orders: { timeoutMs: 15_000 } },
  setup({ config, downstream, metrics }, router) {
    const limited = metrics.counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429 by the per-client rate limit.',
    });
    const limiter = new TokenBucketLimiter(
      config.RATE_LIMIT_RPS,
      config.RATE_LIMIT_BURST,
      config.RATE_LIMIT_MAX_CLIENTS,
    );
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
      rateLimit(limiter, () => limited.inc()),
    );
    return {};
  },
});
