// Access tokens: HS256 JWTs signed by the gateway (jose). The gateway is the only token authority;
// services behind it trust the identity headers it sets.

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { bearerToken, HttpError } from '../lib/index.ts';

export type Role = 'user' | 'admin';

export interface Principal {
  userId: string;
  email: string;
  role: Role;
}

const claims = z.object({
  sub: z.uuid(),
  email: z.string(),
  role: z.enum(['user', 'admin']),
});

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

function unauthorized(code: string, message: string): HttpError {
  const description = message.replaceAll('"', "'");
  return new HttpError(
    401,
    code,
    message,
    {},
    {
      'www-authenticate': `Bearer realm="homeostat", error="invalid_token", error_description="${description}"`,
    },
  );
}

export class TokenAuthority {
  private readonly key: Uint8Array;

  constructor(private readonly options: TokenOptions) {
    this.key = new TextEncoder().encode(options.secret);
  }

  async issue(principal: Principal): Promise<{ token: string; tokenType: 'Bearer'; expiresIn: number }> {
    const token = await new SignJWT({ email: principal.email, role: principal.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, tokenType: 'Bearer', expiresIn: this.options.ttlSeconds };
  }

  async verify(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ['HS256'],
        clockTolerance: 5,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw unauthorized('token_expired', 'the access token has expired');
      throw unauthorized('invalid_token', 'the access token is invalid');
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) throw unauthorized('invalid_token', 'the access token lacks the expected claims');
    return { userId: parsed.data.sub, email: parsed.data.email, role: parsed.data.role };
  }

  /** Reads the bearer token when there is one; a bad token is rejected even on public routes. */
  readonly authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const token = bearerToken(header);
      if (!token) throw unauthorized('invalid_token', 'the Authorization header is not "Bearer <token>"');
      res.locals.principal = await this.verify(token);
    }
    next();
  };
}

export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** Route guard: a signed-in caller, with `role` when given (admin may do what user may). */
export function requireRole(role: Role) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = principalOf(res);
    if (!principal) {
      throw new HttpError(
        401,
        'missing_token',
        'sign in: this route needs a bearer token',
        {},
        {
          'www-authenticate': 'Bearer realm="homeostat"',
        },
      );
    }
    if (role === 'admin' && principal.role !== 'admin') {
      throw new HttpError(403, 'forbidden', 'this route needs the admin role');
    }
    next();
  };
}
