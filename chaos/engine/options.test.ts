import { describe, expect, it } from 'vitest';
import { ChaosEngineOptionsError, parseChaosEngineOptions } from './options.ts';

describe('parseChaosEngineOptions', () => {
  it('fills defaults and converts durations to ms', () => {
    const o = parseChaosEngineOptions({ faultLease: '1m', renewInterval: '20s' }, { POD_NAMESPACE: 'hs' });
    expect(o).toMatchObject({
      namespace: 'hs',
      faultLease: 60_000,
      renewInterval: 20_000,
      clusterMaxTargets: 20,
    });
    expect(o.protectedNamespaces).toEqual(['kube-system']);
  });

  it('names each bad option', () => {
    let err: unknown;
    try {
      parseChaosEngineOptions(
        { faultLease: '10s', renewInterval: '8s', workers: 0, prometheusUrl: 'ftp://x' },
        {},
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChaosEngineOptionsError);
    const options = (err as ChaosEngineOptionsError).problems.map((p) => p.option);
    expect(options).toEqual(expect.arrayContaining(['workers', 'prometheusUrl']));
    expect(() => parseChaosEngineOptions({ faultLease: '10s', renewInterval: '8s' }, {})).toThrow(
      /renewInterval: must be at most half of faultLease/,
    );
    expect(() => parseChaosEngineOptions({ protectedNamespaces: 'Kube_System' }, {})).toThrow(
      /protectedNamespaces/,
    );
    expect(() => parseChaosEngineOptions({ bogus: 1 } as never, {})).toThrow(/bogus: unknown option/);
  });
});
