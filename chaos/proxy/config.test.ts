import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const TOKEN = 'a-secret-token-0123456789';

describe('loadConfig', () => {
  it('reads the environment with defaults', () => {
    const c = loadConfig({ CHAOS_PROXY_UPSTREAM_PORT: '8080', CHAOS_PROXY_ADMIN_TOKEN: TOKEN });
    expect(c).toMatchObject({
      mode: 'http',
      listenHost: '0.0.0.0',
      listenPort: 15080,
      upstreamHost: '127.0.0.1',
      upstreamPort: 8080,
      adminPort: 15090,
      maxTtlMs: 3_600_000,
    });
  });

  it('lets flags override the environment', () => {
    const c = loadConfig({ CHAOS_PROXY_UPSTREAM_PORT: '8080', CHAOS_PROXY_ADMIN_TOKEN_FILE: '/run/token' }, [
      '--mode',
      'tcp',
      '--upstream-port',
      '9090',
      '--listen-host',
      '127.0.0.5',
    ]);
    expect(c).toMatchObject({
      mode: 'tcp',
      upstreamPort: 9090,
      listenHost: '127.0.0.5',
      adminTokenFile: '/run/token',
    });
  });

  it('names the variable and flag of each bad setting, never echoing the token', () => {
    let message = '';
    try {
      loadConfig(
        { CHAOS_PROXY_UPSTREAM_PORT: '70000', CHAOS_PROXY_MODE: 'udp', CHAOS_PROXY_ADMIN_TOKEN: TOKEN },
        ['--admin-token-file', '/x'],
      );
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/CHAOS_PROXY_UPSTREAM_PORT \(--upstream-port\)/);
    expect(message).toMatch(/CHAOS_PROXY_MODE \(--mode\)/);
    expect(message).toMatch(/CHAOS_PROXY_ADMIN_TOKEN: set exactly one/);
    expect(message).not.toContain(TOKEN);
  });

  it('requires the upstream port and refuses the admin port on the listen port', () => {
    expect(() => loadConfig({ CHAOS_PROXY_ADMIN_TOKEN: TOKEN })).toThrow(/CHAOS_PROXY_UPSTREAM_PORT/);
    expect(() =>
      loadConfig({
        CHAOS_PROXY_UPSTREAM_PORT: '1',
        CHAOS_PROXY_ADMIN_TOKEN: TOKEN,
        CHAOS_PROXY_ADMIN_PORT: '15080',
      }),
    ).toThrow(/CHAOS_PROXY_ADMIN_PORT \(--admin-port\): must differ/);
  });

  it('rejects unknown flags and a token given as a flag', () => {
    expect(() => loadConfig({}, ['--admin-token', TOKEN])).toThrow(ConfigError);
  });
});
