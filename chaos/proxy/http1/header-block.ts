// The header lines of an HTTP/1.1 message head, parsed strictly: anything a lenient parser might
// read differently from the upstream (obsolete line folding, bare LF, NUL, a space before the colon)
// is refused, so the proxy never forwards a message two parsers would frame differently.

/** A header as received: its lower-cased name, its value without surrounding whitespace, the raw line. */
export interface HeaderLine {
  name: string;
  value: string;
  line: string;
}

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, space and tab; no CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/**
 * The header lines of `lines` (the head split on CRLF, from index 1), or undefined when one is
 * malformed.
 */
export function parseHeaderLines(lines: readonly string[]): HeaderLine[] | undefined {
  const out: HeaderLine[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const rawName = line.slice(0, colon);
    if (!TOKEN.test(rawName)) return undefined; // also refuses obs-fold and "name :"
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return undefined;
    out.push({ name: rawName.toLowerCase(), value, line });
  }
  return out;
}

/** The comma-separated, lower-cased tokens of a list header such as Connection. */
export function listTokens(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t) out.push(t);
  }
  return out;
}

/** Content-Length as a number, or undefined when it is not a plain decimal a parser agrees on. */
export function contentLength(value: string): number | undefined {
  if (!/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
