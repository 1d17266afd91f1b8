// The users API. It sits behind the gateway, which owns tokens; this service owns accounts and
// checks passwords.

import type { Router } from 'express';
import { z } from 'zod';
import { HttpError, parseInput, uuidParams } from '../lib/index.ts';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import type { UserRepository } from './user-repository.ts';

const email = z.string().trim().toLowerCase().pipe(z.email().max(254));
const password = z.string().min(8, 'must be at least 8 characters').max(128);
const displayName = z.string().trim().min(1).max(100);

const registration = z.strictObject({ email, password, name: displayName });
const credentials = z.strictObject({ email, password: z.string().min(1).max(128) });
const profileUpdate = z.strictObject({ name: displayName });

export function registerUserRoutes(router: Router, users: UserRepository, scryptCost: number): void {
  router.post('/api/v1/users', async (req, res) => {
    const input = parseInput(registration, req.body, 'body');
    const passwordHash = await hashPassword(input.password, scryptCost);
    const user = await users.create({ email: input.email, name: input.name, role: 'user', passwordHash });
    if (!user) throw new HttpError(409, 'email_taken', `an account with email ${input.email} already exists`);
    res.status(201).location(`/api/v1/users/${user.id}`).json(user);
  });

  router.post('/api/v1/users/authenticate', async (req, res) => {
    const input = parseInput(credentials, req.body, 'body');
    const found = await users.credentials(input.email);
    const valid = found
      ? await verifyPassword(input.password, found.passwordHash)
      : await verifyAgainstNothing(input.password, scryptCost);
    if (!found || !valid) throw new HttpError(401, 'invalid_credentials', 'email or password is wrong');
    res.json(found.user);
  });

  router.get('/api/v1/users/:id', async (req, res) => {
    const { id } = parseInput(uuidParams, req.params, 'params');
    const user = await users.byId(id);
    if (!user) throw new HttpError(404, 'not_found', `no user ${id}`);
    res.json(user);
  });

  router.patch('/api/v1/users/:id', async (req, res) => {
    const { id } = parseInput(uuidParams, req.params, 'params');
    const { name } = parseInput(profileUpdate, req.body, 'body');
    const user = await users.rename(id, name);
    if (!user) throw new HttpError(404, 'not_found', `no user ${id}`);
    res.json(user);
  });
}
