// Header rewriting for the HTTP hop: hop-by-hop headers stay on their own connection (RFC 9110
// §7.6.1), and the upstream learns who the client was through x-forwarded-*.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { HOP_BY_HOP as HOP_BY_HOP_HEADERS } from './http1/header-block.ts';

// The proxy already answered 100 Continue itself; the upstream need not send another.
const HOP_BY_HOP = new Set([...HOP_BY_HOP_HEADERS, 'expect']);

/** The headers minus hop-by-hop ones, including any the Connection header names. */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = headers.connection
    ? new Set(
        headers.connection
          .toLowerCase()
          .split(',')
          .map((s) => s.trim()),
      )
    : undefined;
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface ClientInfo {
  remoteAddress: string | undefined;
  /** The protocol the client used to reach the proxy. */
  proto: 'http' | 'https';
}

/** The request headers to send upstream: end-to-end ones plus x-forwarded-for/-proto/-host. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  client: ClientInfo,
): OutgoingHttpHeaders {
  const out = endToEndHeaders(headers);
  const prior = headers['x-forwarded-for'];
  if (client.remoteAddress)
    out['x-forwarded-for'] = prior ? `${prior}, ${client.remoteAddress}` : client.remoteAddress;
  // An earlier proxy (an ingress) knows the original scheme and host better than this hop.
  out['x-forwarded-proto'] = headers['x-forwarded-proto'] ?? client.proto;
  const host = headers['x-forwarded-host'] ?? headers.host;
  if (host) out['x-forwarded-host'] = host;
  return out;
}
