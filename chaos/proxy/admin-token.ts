// The admin API's bearer token, from the environment or a mounted secret file. A file is re-read
// (at most every few seconds) so a rotated Kubernetes Secret takes effect without a restart. The
// token itself is never logged or put in an error message.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export const MIN_TOKEN_LENGTH = 16;

export class TokenError extends Error {
  override name = 'TokenError';
}

export type TokenSource = { token: string } | { file: string; recheckMs?: number };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function validated(token: string, where: string): Buffer {
  if (token.length < MIN_TOKEN_LENGTH)
    throw new TokenError(`${where}: the admin token must be at least ${MIN_TOKEN_LENGTH} characters`);
  return digest(token);
}

export class AdminToken {
  private expected: Buffer;
  private readonly file?: string;
  private readonly recheckMs: number;
  private checkedAt = 0;
  private mtimeMs = 0;

  constructor(
    source: TokenSource,
    private readonly now: () => number = Date.now,
  ) {
    if ('token' in source) {
      this.expected = validated(source.token, 'admin token');
      this.recheckMs = Number.POSITIVE_INFINITY;
    } else {
      this.file = source.file;
      this.recheckMs = source.recheckMs ?? 5_000;
      this.expected = this.readFile();
      this.checkedAt = this.now();
    }
  }

  /** Whether an Authorization header carries the token; constant-time in the token's content. */
  verify(authorization: string | undefined): boolean {
    this.maybeReload();
    if (!authorization) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return false;
    // Comparing fixed-length digests hides the token's length as well as its content.
    return timingSafeEqual(digest(match[1]), this.expected);
  }

  private readFile(): Buffer {
    const file = this.file!;
    let text: string;
    try {
      this.mtimeMs = statSync(file).mtimeMs;
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TokenError(
        `admin token file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
    return validated(text.trim(), `admin token file ${file}`);
  }

  private maybeReload(): void {
    if (!this.file || this.now() - this.checkedAt < this.recheckMs) return;
    this.checkedAt = this.now();
    try {
      if (statSync(this.file).mtimeMs !== this.mtimeMs) this.expected = this.readFile();
    } catch {
      // A secret mid-rotation can be briefly absent or short; keep the last good token.
    }
  }
}
