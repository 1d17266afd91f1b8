import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { prometheusActuatorMetrics } from './prometheus-metrics.ts';

describe('prometheusActuatorMetrics', () => {
  it('counts actions by action, outcome and reason, once per registry', async () => {
    const registry = new Registry();
    const m = prometheusActuatorMetrics(registry);
    expect(prometheusActuatorMetrics(registry)).toBe(m);
    m.observeAction({ action: 'restartPod', outcome: 'blocked', reason: 'DisruptionBudget', durationMs: 12 });
    m.observeAction({ action: 'restartPod', outcome: 'blocked', reason: 'DisruptionBudget', durationMs: 8 });
    m.observeAction({ action: 'scale', outcome: 'applied', reason: '', durationMs: 5 });
    const text = await registry.metrics();
    expect(text).toContain(
      'homeostat_actions_total{action="restartPod",outcome="blocked",reason="DisruptionBudget"} 2',
    );
    expect(text).toContain('homeostat_actions_total{action="scale",outcome="applied",reason=""} 1');
    expect(text).toContain(
      'homeostat_action_duration_seconds_count{action="restartPod",outcome="blocked"} 2',
    );
  });
});
