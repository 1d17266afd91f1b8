import { describe, expect, it } from 'vitest';
import { InformerHealth } from './informer-health.ts';

/** An informer as the health check sees it: a name and whether it has synced. */
class Probe {
  synced = false;
  constructor(readonly name: string) {}
  hasSynced() {
    return this.synced;
  }
}

describe('informer health', () => {
  it('is ready once every informer has synced, and live while they are starting', () => {
    let now = 0;
    const health = new InformerHealth({ syncGraceMs: 60_000, now: () => now });
    const pods = new Probe('pods');
    const policies = new Probe('resiliencepolicies.homeostat.dev');
    health.watch(pods);
    health.watch(policies);
    expect(health.ready().ok).toBe(false);
    health.started();
    now = 30_000;
    expect(health.live().ok).toBe(true);
    pods.synced = true;
    expect(health.ready().ok).toBe(false);
    policies.synced = true;
    expect(health.ready().ok).toBe(true);
  });

  it('calls an informer that never syncs, or hears nothing for too long, wedged', () => {
    let now = 0;
    const health = new InformerHealth({ syncGraceMs: 60_000, silenceMs: 900_000, now: () => now });
    const pods = new Probe('pods');
    health.watch(pods);
    const hooks = health.hooks();
    health.started();
    now = 61_000;
    expect(health.live()).toMatchObject({
      ok: false,
      detail: [{ name: 'pods', problem: 'not synced 61 s after start' }],
    });

    pods.synced = true;
    hooks.listed?.('pods', 10, 5);
    expect(health.live().ok).toBe(true);
    // Bookmarks and watches that end normally count as contact, errors do not.
    now += 800_000;
    hooks.restart?.('pods', 'closed');
    now += 800_000;
    hooks.restart?.('pods', 'error');
    expect(health.live().ok).toBe(true);
    now += 200_000;
    expect(health.live().detail[0]!.problem).toBe(
      'no list, event or bookmark from the API server for 1000 s',
    );
    hooks.watchEvent?.('pods', 'BOOKMARK');
    expect(health.live().ok).toBe(true);
  });

  it('forwards every hook to the metrics it wraps', () => {
    const seen: string[] = [];
    const hooks = new InformerHealth().hooks({
      listed: (i, n) => seen.push(`listed ${i} ${n}`),
      watchEvent: (i, t) => seen.push(`event ${i} ${t}`),
      restart: (i, r) => seen.push(`restart ${i} ${r}`),
    });
    hooks.listed?.('pods', 3, 1);
    hooks.watchEvent?.('pods', 'ADDED');
    hooks.restart?.('pods', 'stalled');
    expect(seen).toEqual(['listed pods 3', 'event pods ADDED', 'restart pods stalled']);
  });
});
