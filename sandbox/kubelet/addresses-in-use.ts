// IPv4 addresses that have sockets on this machine, from /proc/net/{tcp,udp}. Another kubelet
// (a second sandbox, a parallel test) may be using part of the same loopback range; an address
// with a socket on it is not handed to a new pod.

import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Decodes the hex address column of /proc/net/tcp ("0100007F:1F90" is 127.0.0.1:8080 on little-endian hosts). */
export function decodeProcNetAddress(hex: string, endianness: 'LE' | 'BE' = os.endianness()): string {
  const ip = hex.split(':')[0];
  if (!/^[0-9A-Fa-f]{8}$/.test(ip)) throw new Error(`not an IPv4 /proc/net address: "${hex}"`);
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(ip.slice(i, i + 2), 16));
  return (endianness === 'LE' ? bytes.reverse() : bytes).join('.');
}

/** Local IPv4 addresses of all sockets in a /proc/net/tcp-style table. */
export function parseProcNetLocalAddresses(text: string, endianness?: 'LE' | 'BE'): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    if (local) out.add(decodeProcNetAddress(local, endianness));
  }
  return out;
}

export function localAddressesInUse(): Set<string> {
  const out = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/udp']) {
    try {
      for (const ip of parseProcNetLocalAddresses(readFileSync(table, 'utf8'))) out.add(ip);
    } catch {
      // not Linux, or not readable: nothing known to be in use
    }
  }
  return out;
}
