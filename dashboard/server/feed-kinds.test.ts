import { describe, expect, it } from 'vitest';
import { coalesceDashboardKinds } from './feed-kinds.ts';

describe('coalesceDashboardKinds', () => {
  it('lets the newest state of an object replace older queued ones', () => {
    expect(coalesceDashboardKinds({ kind: 'policy', payload: { namespace: 'shop', name: 'orders' } })).toBe(
      'policy/shop/orders',
    );
    expect(coalesceDashboardKinds({ kind: 'experiment', payload: { namespace: 'shop', name: 'x' } })).toBe(
      'experiment/shop/x',
    );
    expect(coalesceDashboardKinds({ kind: 'halt', payload: { halted: true } })).toBe('halt');
    expect(coalesceDashboardKinds({ kind: 'fleet-state', payload: { services: [] } })).toBe('fleet-state');
    expect(
      coalesceDashboardKinds({
        kind: 'policy-status',
        payload: { namespace: 'shop', name: 'orders', status: {} },
      }),
    ).toBe('policy-status/shop/orders');
  });

  it('never coalesces decisions, verifications, controls or experiment phase changes', () => {
    for (const kind of ['decision', 'verification', 'control'])
      expect(coalesceDashboardKinds({ kind, payload: {} })).toBeUndefined();
    expect(
      coalesceDashboardKinds({
        kind: 'experiment',
        payload: { namespace: 'shop', name: 'x', transition: { from: 'Injecting', to: 'Running' } },
      }),
    ).toBeUndefined();
  });
});
