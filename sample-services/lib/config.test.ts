import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, downstreamSettings, envBoolean, listenHost, loadConfig } from './config.ts';
import { downstreamUrl } from './discovery.ts';

describe('loadConfig', () => {
  it('applies defaults and parses numbers, booleans and service variables', () => {
    const config = loadConfig(
      { SEED: envBoolean(true), GREETING: z.string().default('hi') },
      { CAPACITY_CONCURRENCY: '4', SEED: 'No', QUEUE_LIMIT: '' },
    );
    expect(config.CAPACITY_CONCURRENCY).toBe(4);
    expect(config.QUEUE_LIMIT).toBe(64); // empty means unset
    expect(config.SEED).toBe(false);
    expect(config.GREETING).toBe('hi');
    expect(config.PORT).toBe(8080);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({}, { CAPACITY_CONCURRENCY: 'lots', ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
    try {
      loadConfig({}, { CAPACITY_CONCURRENCY: 'lots', ADMIN_TOKEN: 'short' });
    } catch (err) {
      expect((err as Error).message).toMatch(/CAPACITY_CONCURRENCY/);
      expect((err as Error).message).toMatch(/ADMIN_TOKEN: must be at least 16 characters/);
    }
  });

  it('parses FAULTS as JSON fault specs and reports where they are wrong', () => {
    const config = loadConfig({}, { FAULTS: '[{"kind":"errorBurst","rate":0.5}]' });
    expect(config.FAULTS).toEqual([{ kind: 'errorBurst', rate: 0.5, status: 500 }]);
    expect(() => loadConfig({}, { FAULTS: '[{"kind":"errorBurst","rate":2}]' })).toThrow(/FAULTS\.0\.rate/);
    expect(() => loadConfig({}, { FAULTS: 'nope' })).toThrow(/FAULTS: not valid JSON/);
  });

  it('listens on HOST, else POD_IP, else every interface', () => {
    expect(listenHost({ HOST: '127.0.0.5', POD_IP: '127.0.0.6' })).toBe('127.0.0.5');
    expect(listenHost({ POD_IP: '127.0.0.6' })).toBe('127.0.0.6');
    expect(listenHost({})).toBe('0.0.0.0');
  });
});

describe('downstreamSettings', () => {
  const base = loadConfig({}, { DOWNSTREAM_TIMEOUT_MS: '1000', DOWNSTREAM_RETRIES: '3' });

  it('prefers DOWNSTREAM_<NAME>_* over service defaults over shared settings', () => {
    const env = { DOWNSTREAM_PAYMENTS_TIMEOUT_MS: '250' };
    expect(downstreamSettings(base, 'payments', env, { timeoutMs: 9000 }).timeoutMs).toBe(250);
    expect(downstreamSettings(base, 'orders', env, { timeoutMs: 9000 }).timeoutMs).toBe(9000);
    expect(downstreamSettings(base, 'catalog', env).timeoutMs).toBe(1000);
    expect(downstreamSettings(base, 'catalog', env).retries).toBe(3);
  });

  it('names a bad override', () => {
    expect(() => downstreamSettings(base, 'payments', { DOWNSTREAM_PAYMENTS_RETRIES: '-1' })).toThrow(
      /DOWNSTREAM_PAYMENTS_RETRIES/,
    );
  });
});

describe('downstreamUrl', () => {
  it('uses <NAME>_URL, then the service links, then cluster DNS', () => {
    expect(
      downstreamUrl('users', { USERS_URL: 'http://127.0.0.9:1234/', USERS_SERVICE_HOST: '10.0.0.1' }),
    ).toBe('http://127.0.0.9:1234');
    expect(downstreamUrl('users', { USERS_SERVICE_HOST: '10.96.0.7', USERS_SERVICE_PORT: '8080' })).toBe(
      'http://10.96.0.7:8080',
    );
    expect(downstreamUrl('users', { USERS_SERVICE_HOST: 'fd00::7', USERS_SERVICE_PORT: '80' })).toBe(
      'http://[fd00::7]:80',
    );
    expect(downstreamUrl('users', {})).toBe('http://users:8080');
  });

  it('rejects a URL that is not http', () => {
    expect(() => downstreamUrl('users', { USERS_URL: 'ftp://x' })).toThrow(/USERS_URL/);
    expect(() => downstreamUrl('users', { USERS_URL: 'not a url' })).toThrow(/USERS_URL/);
  });
});
