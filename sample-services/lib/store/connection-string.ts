// DATABASE_URL carries a password, so it is never printed as given: logs and errors show it with the
// password replaced, and a URL that cannot be parsed is reported without echoing it (Node's URL
// errors carry the input, which pino would log).

const SCHEMES = new Set(['postgres:', 'postgresql:']);
const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey'];
const MASK = '***';

/** Why `url` is not a PostgreSQL connection URL, or undefined when it is one. The message never contains the URL. */
export function connectionStringProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL (expected postgres://user:password@host:port/database)';
  }
  if (!SCHEMES.has(parsed.protocol)) {
    return `must use the postgres:// or postgresql:// scheme, not ${parsed.protocol.replace(/:$/, '')}://`;
  }
  return undefined;
}

/** The URL with its password (and password-like query parameters) masked, for logs. */
export function redactConnectionString(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparseable connection string)';
  }
  if (parsed.password) parsed.password = MASK;
  for (const name of SECRET_PARAMS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, MASK);
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/** The password in the URL, decoded, so error messages can be scrubbed of it. */
export function connectionPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const password = parsed.password
      ? decodeURIComponent(parsed.password)
      : parsed.searchParams.get('password');
    return password || undefined;
  } catch {
    return undefined;
  }
}

/** An error whose message and stack no longer contain `secret` (the original error otherwise). */
export function withoutSecret<E>(err: E, secret: string | undefined): E {
  if (!secret || !(err instanceof Error)) return err;
  const leaks = (text: string | undefined) => text?.includes(secret) ?? false;
  if (!leaks(err.message) && !leaks(err.stack)) return err;
  err.message = err.message.replaceAll(secret, MASK);
  if (err.stack) err.stack = err.stack.replaceAll(secret, MASK);
  return err;
}
