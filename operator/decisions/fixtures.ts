/**
 * Test support: real decision records from the policy engine (an overloaded "orders" Deployment
 * scaled from 4 to 8), varied per test. Not part of the public surface.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { type DecisionRecord, type EngineInput, evaluatePolicy } from '../policy/index.ts';
import type { LoggedDecision } from './schemas.ts';

export const T0 = Date.UTC(2025, 5, 2, 12, 0, 0);

function engineInput(now: number, namespace: string, name: string): EngineInput {
  const sample = (value: number) => ({ value, observedAt: now - 5000 });
  return {
    now,
    policy: {
      name,
      namespace,
      generation: 1,
      spec: {
        targetRef: { name },
        slo: { latencyP99Ms: 300, errorRatio: 0.01 },
        scaling: { minReplicas: 2, maxReplicas: 12, capacityPerReplica: 40, targetUtilization: 0.7 },
      } as NonNullable<EngineInput['policy']>['spec'],
    },
    target: {
      deployment: { name, specReplicas: 4, statusReplicas: 4, readyReplicas: 4, currentRevision: '2' },
      pods: Array.from({ length: 4 }, (_, i) => ({
        name: `${name}-7d9f-${i}`,
        ready: true,
        startedAt: now - 3_600_000,
        readyTransitionAt: now - 3_500_000,
        revision: '2',
      })),
    },
    signals: {
      target: {
        requestRate: sample(200),
        latencyP50Ms: sample(40),
        latencyP99Ms: sample(120),
        errorRatio: sample(0.001),
      },
    },
  };
}

/** A ScaleUp decision from the engine. */
export function engineDecision(
  opts: { now?: number; namespace?: string; name?: string } = {},
): DecisionRecord {
  const [d] = evaluatePolicy(
    engineInput(opts.now ?? T0, opts.namespace ?? 'shop', opts.name ?? 'orders'),
  ).decisions;
  if (!d) throw new Error('the engine made no decision for the overloaded fixture');
  return d;
}

const base = engineDecision();

export interface DecisionVariation {
  id?: string;
  timeMs?: number;
  namespace?: string;
  policy?: string;
  target?: string;
  action?: LoggedDecision['action'];
  outcome?: LoggedDecision['outcome'];
  reason?: string;
  message?: string;
  pod?: string;
}

/** The engine's record with the fields a test is about changed. */
export function decision(v: DecisionVariation = {}): LoggedDecision {
  const namespace = v.namespace ?? base.policy.namespace;
  const d: LoggedDecision = structuredClone(base);
  d.id = v.id ?? d.id;
  d.time = new Date(v.timeMs ?? T0).toISOString();
  d.policy = { ...d.policy, namespace, name: v.policy ?? d.policy.name };
  d.target = { ...d.target, namespace, name: v.target ?? d.target.name };
  d.action = v.action ?? d.action;
  d.outcome = v.outcome ?? d.outcome;
  d.reason = v.reason ?? d.reason;
  d.message = v.message ?? d.message;
  if (v.pod !== undefined) d.pod = v.pod;
  if (d.outcome === 'DryRun') d.mode = 'DryRun';
  return d;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `homeostat-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that keeps what it is given, to assert on warnings. */
export function capturingLogger(): { logger: Logger; lines: () => { level: number; msg: string }[] } {
  const chunks: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void chunks.push(s) });
  return { logger, lines: () => chunks.map((c) => JSON.parse(c) as { level: number; msg: string }) };
}

export function silentLogger(): Logger {
  return pino({ level: process.env.HOMEOSTAT_TEST_LOG_LEVEL ?? 'silent' });
}
