import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../lib/index.ts';
import { TokenAuthority } from './tokens.ts';

const options = { secret: 'a'.repeat(40), issuer: 'gw', audience: 'fleet', ttlSeconds: 60 };
const principal = { userId: '6f1c1f5e-8a55-4c7b-9f7d-3f0c1b2a9e11', email: 'a@b.c', role: 'admin' as const };

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe('TokenAuthority', () => {
  it('verifies the tokens it issues', async () => {
    const authority = new TokenAuthority(options);
    const { token, expiresIn } = await authority.issue(principal);
    expect(expiresIn).toBe(60);
    expect(await authority.verify(token)).toEqual(principal);
  });

  it('answers 401 token_expired for an expired token', async () => {
    const key = new TextEncoder().encode(options.secret);
    const expired = await new SignJWT({ email: 'a@b.c', role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.userId)
      .setIssuer('gw')
      .setAudience('fleet')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
      .sign(key);
    const err = await rejection(new TokenAuthority(options).verify(expired));
    expect(err.status).toBe(401);
    expect(err.code).toBe('token_expired');
    expect(err.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('answers 401 invalid_token for another secret, audience, algorithm or garbage', async () => {
    const { token } = await new TokenAuthority({ ...options, secret: 'b'.repeat(40) }).issue(principal);
    const { token: otherAudience } = await new TokenAuthority({ ...options, audience: 'other' }).issue(
      principal,
    );
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: principal.userId, role: 'admin', email: 'x', iss: 'gw', aud: 'fleet' }),
    ).toString('base64url')}.`;
    for (const bad of [token, otherAudience, unsigned, 'not-a-jwt']) {
      const err = await rejection(new TokenAuthority(options).verify(bad));
      expect(err.code).toBe('invalid_token');
    }
  });
});
