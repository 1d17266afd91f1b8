// Who may do what: reading is open unless a view token is configured; every control action needs
// the control token. Tokens travel as `Authorization: Bearer <token>` on REST calls and, from a
// browser (which cannot set headers on a WebSocket), as a `homeostat.token.<token>` subprotocol.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, UnauthorizedError } from './errors.ts';

export const FEED_PROTOCOL = 'homeostat.feed.v1';
export const TOKEN_PROTOCOL_PREFIX = 'homeostat.token.';
const TOKEN_RE = /^[A-Za-z0-9_-]{16,256}$/;

export type Access = 'view' | 'control';

/** A random control token: 32 bytes, base64url (also valid as a WebSocket subprotocol). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function assertTokenShape(token: string, what: string): void {
  if (!TOKEN_RE.test(token))
    throw new Error(`the ${what} must be 16 to 256 characters of A-Z, a-z, 0-9, '-' or '_'`);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Authenticator {
  constructor(
    private readonly controlToken: string,
    private readonly viewToken?: string,
  ) {
    assertTokenShape(controlToken, 'control token');
    if (viewToken !== undefined) assertTokenShape(viewToken, 'view token');
  }

  /**
   * The access a presented token grants. No token: view when reading is open. A token that matches
   * nothing is refused outright rather than silently downgraded, so a typo is noticed.
   */
  accessOf(token: string | undefined): Access | undefined {
    if (token === undefined) return this.viewToken === undefined ? 'view' : undefined;
    if (same(token, this.controlToken)) return 'control';
    if (this.viewToken !== undefined && same(token, this.viewToken)) return 'view';
    throw new UnauthorizedError('the token is not valid');
  }

  /** Throws 401/403 unless the request may have `need`. */
  require(token: string | undefined, need: Access): Access {
    const access = this.accessOf(token);
    if (access === undefined) throw new UnauthorizedError('a token is required to view this dashboard');
    if (need === 'control' && access !== 'control')
      throw token === undefined
        ? new UnauthorizedError('control actions need the control token (Authorization: Bearer <token>)')
        : new ForbiddenError('this token may only view; control actions need the control token');
    return access;
  }
}

/** The bearer token of an HTTP request, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  return m[1];
}

/** The token of a WebSocket upgrade: a bearer header, else a `homeostat.token.*` subprotocol. */
export function upgradeToken(req: IncomingMessage): string | undefined {
  const bearer = bearerToken(req);
  if (bearer !== undefined) return bearer;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (protocols.length > 1) throw new UnauthorizedError('more than one token subprotocol');
  return protocols[0]?.slice(TOKEN_PROTOCOL_PREFIX.length);
}
