import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressAllocationError, AddressAllocator, parseCidr } from './address-allocator.ts';

describe('AddressAllocator', () => {
  it('hands out addresses inside the range, skipping the network address', () => {
    const a = new AddressAllocator('127.10.0.0/16');
    expect(a.allocate('p1')).toBe('127.10.0.1');
    expect(a.allocate('p2')).toBe('127.10.0.2');
    expect(a.allocate('p1')).toBe('127.10.0.1');
    expect(a.contains('127.10.255.254')).toBe(true);
    expect(a.contains('127.10.255.255')).toBe(false);
    expect(a.contains('127.11.0.1')).toBe(false);
  });

  it('does not hand a released address out again at once', () => {
    const a = new AddressAllocator('127.10.0.0/29'); // 6 usable
    const first = a.allocate('p1');
    a.allocate('p2');
    a.release('p1');
    expect(a.allocate('p3')).not.toBe(first);
    expect(a.lookup('p1')).toBeUndefined();
  });

  it('wraps around and fails clearly when the range is full', () => {
    const a = new AddressAllocator('127.10.0.0/30'); // 2 usable
    a.allocate('a');
    a.allocate('b');
    expect(() => a.allocate('c')).toThrow(AddressAllocationError);
    expect(() => a.allocate('c')).toThrow('no free address left in 127.10.0.0/30');
    a.release('a');
    expect(a.allocate('c')).toBe('127.10.0.1');
  });

  it('reserves a known address for its owner and refuses one that is taken', () => {
    const a = new AddressAllocator('127.200.0.0/16');
    expect(a.reserve('p1', '127.200.3.4')).toBe(true);
    expect(a.reserve('p1', '127.200.3.4')).toBe(true);
    expect(a.reserve('p2', '127.200.3.4')).toBe(false);
    expect(a.reserve('p2', '10.0.0.1')).toBe(false);
    expect(a.allocate('p3', '127.200.3.4')).not.toBe('127.200.3.4');
    expect(a.allocate('p4', '127.200.9.9')).toBe('127.200.9.9');
  });

  it('persists allocations so a restart gives owners their addresses and continues after them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'alloc-')), 'state.json');
    const a = new AddressAllocator('127.10.0.0/16', file);
    a.allocate('p1');
    a.allocate('p2');
    a.allocate('p3');
    a.release('p2');
    expect(JSON.parse(readFileSync(file, 'utf8')).allocations).toEqual({
      p1: '127.10.0.1',
      p3: '127.10.0.3',
    });
    const b = new AddressAllocator('127.10.0.0/16', file);
    expect(b.lookup('p1')).toBe('127.10.0.1');
    expect(b.lookup('p3')).toBe('127.10.0.3');
    expect(b.allocate('p4')).toBe('127.10.0.4');
  });

  it('skips addresses something else already uses', () => {
    const a = new AddressAllocator('127.10.0.0/16', undefined, {
      inUse: () => new Set(['127.10.0.1', '127.10.0.2']),
    });
    expect(a.allocate('p1')).toBe('127.10.0.3');
  });

  it('starts at a random place without saved state, so separate kubelets rarely collide', () => {
    const starts = new Set(
      Array.from({ length: 5 }, () =>
        new AddressAllocator('127.10.0.0/16', undefined, { randomStart: true }).allocate('p'),
      ),
    );
    expect(starts.size).toBeGreaterThan(1);
  });

  it('rejects malformed ranges', () => {
    expect(() => parseCidr('127.10.0.0')).toThrow('invalid CIDR "127.10.0.0"');
    expect(() => parseCidr('127.10.0.300/16')).toThrow('invalid IPv4 address');
    expect(() => new AddressAllocator('127.0.0.1/32')).toThrow('too small');
  });
});
