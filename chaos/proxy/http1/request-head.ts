// Reading a client's request head on the proxy's fast path and writing the head it forwards. Only the
// plain, common case is taken here: HTTP/1.1, an origin-form target, a Host, at most one framing
// header. Everything else (HTTP/1.0, upgrades, Expect, absolute-form targets, malformed or
// ambiguous heads) is left to node's own HTTP server, which answers or refuses it as it always has.
import {
  contentLength,
  type HeaderLine,
  HOP_BY_HOP,
  isToken,
  listTokens,
  parseHeaderLines,
} from './header-block.ts';

/** How a message's body ends. */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export interface RequestHead {
  method: string;
  /** The request target as received (origin-form: path and query). */
  target: string;
  /** The path without its query, for fault matching. */
  path: string;
  framing: Framing;
  /** False when the client asked to close the connection after this exchange. */
  keepAlive: boolean;
  /** The head's length in the buffer, the blank line included. */
  length: number;
  headers: HeaderLine[];
}

export type RequestHeadResult =
  | { head: RequestHead }
  | { incomplete: true }
  /** Not for the fast path: node's HTTP server takes the connection from here. */
  | { fallback: string };

/** Node's default limit on a request head; a longer one goes to node, which answers 431. */
export const MAX_HEAD_BYTES = 16 * 1024;

const TARGET = /^\/[\x21-\x7e]*$/;
const NONE: Framing = Object.freeze({ kind: 'none' });

export function parseRequestHead(buf: Buffer): RequestHeadResult {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) {
    if (buf.length > MAX_HEAD_BYTES) return { fallback: 'head too large' };
    return { incomplete: true };
  }
  if (end + 4 > MAX_HEAD_BYTES) return { fallback: 'head too large' };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const requestLine = lines[0]!;
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1) return { fallback: 'malformed request line' };
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  if (requestLine.slice(sp2 + 1) !== 'HTTP/1.1') return { fallback: 'not HTTP/1.1' };
  if (!isToken(method) || !TARGET.test(target)) return { fallback: 'malformed request line' };
  if (method === 'CONNECT') return { fallback: 'CONNECT' };
  const headers = parseHeaderLines(lines);
  if (!headers) return { fallback: 'malformed header' };

  let framing: Framing = NONE;
  let keepAlive = true;
  let host = false;
  for (const h of headers) {
    switch (h.name) {
      case 'host':
        if (host) return { fallback: 'several Host headers' };
        host = true;
        break;
      case 'content-length': {
        const length = contentLength(h.value);
        if (length === undefined || framing.kind !== 'none') return { fallback: 'ambiguous framing' };
        framing = { kind: 'length', length };
        break;
      }
      case 'transfer-encoding':
        if (h.value.toLowerCase() !== 'chunked' || framing.kind !== 'none')
          return { fallback: 'ambiguous framing' };
        framing = { kind: 'chunked' };
        break;
      case 'connection':
        for (const t of listTokens(h.value)) if (t === 'close') keepAlive = false;
        break;
      case 'upgrade':
        return { fallback: 'upgrade' };
      case 'expect':
        return { fallback: 'expect' };
    }
  }
  if (!host) return { fallback: 'no Host header' };
  const q = target.indexOf('?');
  return {
    head: {
      method,
      target,
      path: q === -1 ? target : target.slice(0, q),
      framing: framing.kind === 'length' && framing.length === 0 ? NONE : framing,
      keepAlive,
      length: end + 4,
      headers,
    },
  };
}

/** Headers a Connection header names, which belong to that hop too. */
export function connectionNamed(headers: readonly HeaderLine[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (const h of headers) {
    if (h.name !== 'connection') continue;
    for (const t of listTokens(h.value))
      if (t !== 'close' && t !== 'keep-alive') (named ??= new Set()).add(t);
  }
  return named;
}

/**
 * The head sent upstream: the request line and the end-to-end headers as received, the body's
 * framing header, and x-forwarded-for/-proto/-host as the node path adds them.
 */
export function upstreamHead(head: RequestHead, remoteAddress: string | undefined): string {
  const named = connectionNamed(head.headers);
  let out = `${head.method} ${head.target} HTTP/1.1\r\n`;
  let forwardedFor: string | undefined;
  let forwardedProto = false;
  let forwardedHost = false;
  let host: string | undefined;
  for (const h of head.headers) {
    const { name } = h;
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? h.value : `${forwardedFor}, ${h.value}`;
      continue;
    }
    if (name === 'transfer-encoding') {
      out += `${h.line}\r\n`; // the body passes through with its own chunking
      continue;
    }
    if (HOP_BY_HOP.has(name) || name === 'expect' || named?.has(name)) continue;
    if (name === 'x-forwarded-proto') forwardedProto = true;
    else if (name === 'x-forwarded-host') forwardedHost = true;
    else if (name === 'host') host = h.value;
    out += `${h.line}\r\n`;
  }
  if (remoteAddress)
    out += `x-forwarded-for: ${forwardedFor === undefined ? remoteAddress : `${forwardedFor}, ${remoteAddress}`}\r\n`;
  else if (forwardedFor !== undefined) out += `x-forwarded-for: ${forwardedFor}\r\n`;
  if (!forwardedProto) out += 'x-forwarded-proto: http\r\n';
  if (!forwardedHost && host) out += `x-forwarded-host: ${host}\r\n`;
  return `${out}\r\n`;
}
