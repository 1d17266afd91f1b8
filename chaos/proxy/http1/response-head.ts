// Reading the upstream's response head and writing the one the client gets: the status line with the
// upstream's own reason phrase, the end-to-end headers as received, and the body's framing header.
import { STATUS_CODES } from 'node:http';
import { contentLength, type HeaderLine, HOP_BY_HOP, listTokens, parseHeaderLines } from './header-block.ts';
import { connectionNamed, MAX_HEAD_BYTES } from './request-head.ts';

/** How the response body ends; `close`: when the upstream closes the connection. */
export type ResponseFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'close' };

export interface ResponseHead {
  status: number;
  reason: string;
  framing: ResponseFraming;
  /** The upstream connection may carry another request after this answer. */
  reusable: boolean;
  /** The upstream's Keep-Alive timeout hint, ms. */
  keepAliveMs?: number;
  length: number;
  headers: HeaderLine[];
}

export type ResponseHeadResult = { head: ResponseHead } | { incomplete: true } | { error: string };

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

export function parseResponseHead(buf: Buffer, requestMethod: string): ResponseHeadResult {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1)
    return buf.length > MAX_HEAD_BYTES ? { error: 'response head too large' } : { incomplete: true };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const m = STATUS_LINE.exec(lines[0]!);
  if (!m) return { error: 'malformed status line' };
  const status = Number(m[2]);
  const headers = parseHeaderLines(lines);
  if (!headers) return { error: 'malformed response header' };
  let reusable = m[1] === '1';
  let length: number | undefined;
  let chunked = false;
  let keepAliveMs: number | undefined;
  for (const h of headers) {
    switch (h.name) {
      case 'content-length': {
        const n = contentLength(h.value);
        if (n === undefined || (length !== undefined && length !== n)) return { error: 'bad content-length' };
        length = n;
        break;
      }
      case 'transfer-encoding': {
        const codings = listTokens(h.value);
        chunked = codings[codings.length - 1] === 'chunked';
        if (!chunked) reusable = false; // the body ends when the connection does
        break;
      }
      case 'connection':
        for (const t of listTokens(h.value)) {
          if (t === 'close') reusable = false;
          else if (t === 'keep-alive' && m[1] === '0') reusable = true;
        }
        break;
      case 'keep-alive': {
        const t = /timeout=(\d+)/i.exec(h.value);
        if (t) keepAliveMs = Number(t[1]) * 1000;
        break;
      }
    }
  }
  let framing: ResponseFraming;
  if (requestMethod === 'HEAD' || status === 204 || status === 304 || status < 200)
    framing = { kind: 'none' };
  else if (chunked) framing = { kind: 'chunked' };
  else if (length !== undefined) framing = length === 0 ? { kind: 'none' } : { kind: 'length', length };
  else {
    framing = { kind: 'close' };
    reusable = false;
  }
  return {
    head: { status, reason: m[3] ?? '', framing, reusable, keepAliveMs, length: end + 4, headers },
  };
}

/** The head the client gets; `close` adds Connection: close (draining, or the body ends with the connection). */
export function clientHead(head: ResponseHead, close: boolean): string {
  const reason = head.reason || STATUS_CODES[head.status] || '';
  const named = connectionNamed(head.headers);
  let out = `HTTP/1.1 ${head.status} ${reason}\r\n`;
  for (const h of head.headers) {
    // The body passes through with its transfer coding untouched, so its header goes with it.
    if (h.name === 'transfer-encoding') {
      out += `${h.line}\r\n`;
      continue;
    }
    if (HOP_BY_HOP.has(h.name) || named?.has(h.name)) continue;
    out += `${h.line}\r\n`;
  }
  if (close) out += 'connection: close\r\n';
  return `${out}\r\n`;
}
