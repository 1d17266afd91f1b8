// prom-client implementation of ActuatorMetrics: actions by type, outcome and reason, and how long
// each took (API calls themselves are counted by the KubeClient's metrics).
import { Counter, exponentialBuckets, Histogram, type Registry, register } from 'prom-client';
import type { ActuatorMetrics } from './actuator.ts';

const byRegistry = new WeakMap<Registry, ActuatorMetrics>();

/** Registered once per registry (asking again returns the same hooks). */
export function prometheusActuatorMetrics(registry: Registry = register): ActuatorMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const actions = new Counter({
    name: 'homeostat_actions_total',
    help: 'Actions carried out against the Kubernetes API by action, outcome (applied, noop, blocked, failed) and reason.',
    labelNames: ['action', 'outcome', 'reason'],
    registers,
  });
  const duration = new Histogram({
    name: 'homeostat_action_duration_seconds',
    help: 'Time an action took, API calls and conflict retries included.',
    labelNames: ['action', 'outcome'],
    buckets: exponentialBuckets(0.001, 2, 16),
    registers,
  });
  const metrics: ActuatorMetrics = {
    observeAction({ action, outcome, reason, durationMs }) {
      actions.inc({ action, outcome, reason });
      duration.observe({ action, outcome }, durationMs / 1000);
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
