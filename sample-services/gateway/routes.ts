// The public API of the fleet. Each route names who may call it (public, user, admin) and the
// service that answers it. Version 2 of the orders API is served beside version 1, which carries
// Deprecation and Sunset headers pointing clients at its successor.

import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { type Downstream, parseInput, productId, uuidParams } from '../lib/index.ts';
import { exchange, forward, queryString, relay } from './proxy.ts';
import type { TokenAuthority } from './tokens.ts';
import { principalOf, requireRole } from './tokens.ts';

export interface GatewayServices {
  users: Downstream;
  catalog: Downstream;
  orders: Downstream;
  payments: Downstream;
  notifications: Downstream;
}

export interface Versioning {
  ordersV1DeprecatedAt: Date;
  ordersV1SunsetAt: Date;
}

const productParams = z.object({ id: productId });
const user = requireRole('user');
const admin = requireRole('admin');

/** The identity the services behind the gateway trust. */
function identity(res: Response): Record<string, string> {
  const principal = principalOf(res);
  if (!principal) throw new Error('identity() needs a route guarded by requireRole');
  return { 'x-user-id': principal.userId, 'x-user-role': principal.role };
}

function idempotencyKeyOf(req: Request): Record<string, string> {
  const key = req.headers['idempotency-key'];
  return typeof key === 'string' ? { 'idempotency-key': key } : {};
}

/** Tags every versioned response with the version that served it. */
function apiVersionHeader(req: Request, res: Response, next: NextFunction): void {
  const match = /^\/api\/(v\d+)(?:\/|$)/.exec(req.path);
  if (match) res.setHeader('api-version', match[1]);
  next();
}

function deprecated(versioning: Versioning) {
  const deprecation = `@${Math.floor(versioning.ordersV1DeprecatedAt.getTime() / 1000)}`;
  const sunset = versioning.ordersV1SunsetAt.toUTCString();
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('deprecation', deprecation);
    res.setHeader('sunset', sunset);
    res.setHeader('link', '</api/v2/orders>; rel="successor-version"');
    next();
  };
}

export function registerGatewayRoutes(
  router: Router,
  services: GatewayServices,
  tokens: TokenAuthority,
  versioning: Versioning,
  limit: (req: Request, res: Response, next: NextFunction) => void,
): void {
  const { users, catalog, orders, payments, notifications } = services;
  router.use(apiVersionHeader);
  router.use(tokens.authenticate);
  router.use(limit);

  // Accounts. The gateway issues tokens; users owns accounts and passwords.
  router.post('/api/v1/auth/register', async (req, res) => {
    const answer = await exchange(users, { method: 'POST', path: '/api/v1/users', body: req.body ?? {} });
    if (answer.status !== 201) return relay(res, answer);
    const account = answer.body as { id: string; email: string; role: 'user' | 'admin' };
    const token = await tokens.issue({ userId: account.id, email: account.email, role: account.role });
    res.status(201).json({ user: account, ...token });
  });

  router.post('/api/v1/auth/login', async (req, res) => {
    const answer = await exchange(users, {
      method: 'POST',
      path: '/api/v1/users/authenticate',
      body: req.body ?? {},
      idempotent: true,
    });
    if (answer.status !== 200) return relay(res, answer);
    const account = answer.body as { id: string; email: string; role: 'user' | 'admin' };
    const token = await tokens.issue({ userId: account.id, email: account.email, role: account.role });
    res.json({ user: account, ...token });
  });

  router.get('/api/v1/me', user, (_req, res) =>
    forward(res, users, { path: `/api/v1/users/${principalOf(res)!.userId}` }),
  );
  router.patch('/api/v1/me', user, (req, res) =>
    forward(res, users, {
      method: 'PATCH',
      path: `/api/v1/users/${principalOf(res)!.userId}`,
      body: req.body ?? {},
    }),
  );

  // Catalog: browsing is public, changing products is for administrators.
  router.get('/api/v1/products', (req, res) =>
    forward(res, catalog, { path: `/api/v1/products${queryString(req.originalUrl)}` }),
  );
  router.get('/api/v1/products/search', (req, res) =>
    forward(res, catalog, { path: `/api/v1/products/search${queryString(req.originalUrl)}` }),
  );
  router.get('/api/v1/products/:id', (req, res) => {
    const { id } = parseInput(productParams, req.params, 'params');
    return forward(res, catalog, { path: `/api/v1/products/${id}` });
  });
  router.post('/api/v1/products', admin, (req, res) =>
    forward(res, catalog, { method: 'POST', path: '/api/v1/products', body: req.body ?? {} }),
  );
  router.put('/api/v1/products/:id/stock', admin, (req, res) => {
    const { id } = parseInput(productParams, req.params, 'params');
    return forward(res, catalog, {
      method: 'PUT',
      path: `/api/v1/products/${id}/stock`,
      body: req.body ?? {},
    });
  });

  // Orders, v1 (deprecated) and v2 side by side; orders serves both representations.
  const v1 = deprecated(versioning);
  for (const version of ['v1', 'v2'] as const) {
    const guards = version === 'v1' ? [user, v1] : [user];
    router.post(`/api/${version}/orders`, ...guards, (req: Request, res: Response) =>
      forward(res, orders, {
        method: 'POST',
        path: `/api/${version}/orders`,
        body: req.body ?? {},
        headers: { ...identity(res), ...idempotencyKeyOf(req) },
      }),
    );
    router.get(`/api/${version}/orders`, ...guards, (req: Request, res: Response) =>
      forward(res, orders, {
        path: `/api/${version}/orders${queryString(req.originalUrl)}`,
        headers: identity(res),
      }),
    );
    router.get(`/api/${version}/orders/:id`, ...guards, (req: Request, res: Response) => {
      const { id } = parseInput(uuidParams, req.params, 'params');
      return forward(res, orders, { path: `/api/${version}/orders/${id}`, headers: identity(res) });
    });
  }

  router.get('/api/v1/notifications', user, (req, res) =>
    forward(res, notifications, {
      path: `/api/v1/users/${principalOf(res)!.userId}/notifications${queryString(req.originalUrl)}`,
    }),
  );

  router.get('/api/v1/admin/orders/:id/charges', admin, (req, res) => {
    const { id } = parseInput(uuidParams, req.params, 'params');
    return forward(res, payments, { path: `/api/v1/charges?orderId=${id}` });
  });
}
