import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeProcNetAddress, localAddressesInUse, parseProcNetLocalAddresses } from './addresses-in-use.ts';

describe('addresses in use', () => {
  it('decodes /proc/net addresses in host byte order', () => {
    expect(decodeProcNetAddress('0100007F:1F90', 'LE')).toBe('127.0.0.1');
    expect(decodeProcNetAddress('05000A7F:0050', 'LE')).toBe('127.10.0.5');
    expect(decodeProcNetAddress('7F0A0005:0050', 'BE')).toBe('127.10.0.5');
    expect(() => decodeProcNetAddress('zz', 'LE')).toThrow('not an IPv4 /proc/net address');
  });

  it('lists local addresses from a table', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
      '   1: 05000A7F:0050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1',
      '',
    ].join('\n');
    expect(parseProcNetLocalAddresses(table, 'LE')).toEqual(new Set(['127.0.0.1', '127.10.0.5']));
  });

  it('sees a socket bound on this machine', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.10.254.77', r));
    try {
      expect(localAddressesInUse().has('127.10.254.77')).toBe(true);
    } finally {
      server.close();
    }
  });
});
