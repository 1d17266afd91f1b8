// /admin/faults: switch failure modes on and off at run time. Guarded by a bearer token (ADMIN_TOKEN);
// without one configured the admin API is disabled rather than open.

import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { FaultController } from './faults/fault-controller.ts';
import { faultSpecSchema } from './faults/fault-spec.ts';
import { HttpError, parseInput } from './http-errors.ts';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function requireAdminToken(adminToken: string | undefined) {
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!expected)
      throw new HttpError(403, 'admin_disabled', 'the admin API is disabled: set ADMIN_TOKEN to enable it');
    const token = bearerToken(req.headers.authorization);
    // Compare digests so the comparison takes the same time whatever the token's length.
    if (!token || !timingSafeEqual(digest(token), expected)) {
      throw new HttpError(
        401,
        'unauthorized',
        token ? 'invalid admin token' : 'missing bearer token',
        {},
        { 'www-authenticate': 'Bearer realm="admin"' },
      );
    }
    next();
  };
}

const faultIdParams = z.object({ id: z.uuid() });

export function adminRoutes(faults: FaultController, adminToken: string | undefined): Router {
  const router = express.Router();
  router.use(requireAdminToken(adminToken));
  router.use(express.json({ limit: '16kb' }));

  router.get('/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });

  router.post('/faults', (req, res) => {
    const spec = parseInput(faultSpecSchema, req.body, 'body');
    res.status(201).json(faults.activate(spec));
  });

  router.delete('/faults/:id', async (req, res) => {
    const { id } = parseInput(faultIdParams, req.params, 'params');
    if (!(await faults.clear(id))) throw new HttpError(404, 'not_found', `no active fault ${id}`);
    res.status(204).end();
  });

  router.delete('/faults', async (_req, res) => {
    res.json({ cleared: await faults.clearAll() });
  });

  return router;
}
