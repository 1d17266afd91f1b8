/**
 * Proposals (what a rule would like to do) and decision records (what was decided, why, and what
 * stopped it). Ids are a hash of the decision's identity, so the same input gives the same ids.
 */
import { createHash } from 'node:crypto';
import type { DecisionSummary, HealingAction } from '../../crds/index.ts';
import type { Context } from './context.ts';
import { riskThresholdOf } from './risk.ts';
import { iso } from './signals.ts';
import type {
  DecisionAction,
  DecisionOutcome,
  DecisionRecord,
  DecisionSeed,
  ForecastUse,
  Freshness,
  GuardrailCheck,
  GuardrailName,
  HpaCounterfactual,
  InputValue,
} from './types.ts';

export interface Proposal {
  action: DecisionAction;
  /** e.g. scaling/LoadAboveCapacity, healing/MemoryLeak. */
  rule: string;
  reason: string;
  message: string;
  pod?: string;
  fromReplicas?: number;
  toReplicas?: number;
  fromRevision?: string;
  toRevision?: string;
  releaseMode?: 'Restore' | 'Delete';
  inputs: Record<string, InputValue>;
  /** Readings the action relies on; destructive actions and scale-down need them fresh. */
  requires: { name: string; freshness: Freshness }[];
  /** The engine declines the action itself: the record's outcome is Skipped. */
  skip?: boolean;
  forecast?: ForecastUse;
  escalation?: { step: number; action: HealingAction; startedAt: number };
}

/** Actions that take capacity away or change what runs. */
export const DESTRUCTIVE: ReadonlySet<DecisionAction> = new Set([
  'Restart',
  'Quarantine',
  'Rollback',
  'ScaleDown',
]);

export function decisionId(seed: DecisionSeed): string {
  const identity = JSON.stringify([
    seed.policy.namespace,
    seed.policy.name,
    seed.time,
    seed.action,
    seed.rule,
    seed.pod ?? '',
    seed.toReplicas ?? '',
    seed.index,
  ]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function buildDecision(
  ctx: Context,
  proposal: Proposal,
  verdict: { outcome: DecisionOutcome; checks: GuardrailCheck[]; blockedBy?: GuardrailName },
  shared: { hpa: HpaCounterfactual; forecast?: ForecastUse },
  index: number,
): DecisionRecord {
  const { hpa } = shared;
  const forecast = proposal.forecast ?? shared.forecast;
  const { input } = ctx;
  const time = iso(ctx.now);
  const seed: DecisionSeed = {
    policy: { namespace: input.policy.namespace, name: input.policy.name },
    time,
    action: proposal.action,
    rule: proposal.rule,
    ...(proposal.pod === undefined ? {} : { pod: proposal.pod }),
    ...(proposal.toReplicas === undefined ? {} : { toReplicas: proposal.toReplicas }),
    index,
  };
  const blocked =
    verdict.blockedBy === undefined ? undefined : verdict.checks.find((c) => c.name === verdict.blockedBy);
  const message =
    blocked === undefined
      ? proposal.message
      : `${proposal.message} Blocked by ${blocked.name}: ${blocked.detail}`;
  const risk = input.risk;
  const record: DecisionRecord = {
    id: ctx.options.idGenerator?.(seed) ?? decisionId(seed),
    time,
    mode: ctx.mode,
    policy: {
      namespace: input.policy.namespace,
      name: input.policy.name,
      ...(input.policy.generation === undefined ? {} : { generation: input.policy.generation }),
    },
    target: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: input.policy.namespace,
      name: input.target.deployment.name,
    },
    action: proposal.action,
    outcome: verdict.outcome,
    rule: proposal.rule,
    reason: truncate(proposal.reason, 128),
    message: truncate(message, 1024),
    inputs: proposal.inputs,
    guardrails: verdict.checks,
    hpa,
  };
  if (proposal.pod !== undefined) record.pod = proposal.pod;
  if (proposal.fromReplicas !== undefined) record.fromReplicas = proposal.fromReplicas;
  if (proposal.toReplicas !== undefined) record.toReplicas = proposal.toReplicas;
  if (proposal.fromRevision !== undefined) record.fromRevision = proposal.fromRevision;
  if (proposal.toRevision !== undefined) record.toRevision = proposal.toRevision;
  if (proposal.releaseMode !== undefined) record.releaseMode = proposal.releaseMode;
  if (verdict.blockedBy !== undefined) record.blockedBy = verdict.blockedBy;
  if (forecast !== undefined) {
    record.forecast = forecast;
    record.modelVersion = forecast.modelVersion;
  }
  if (risk !== undefined) {
    record.risk = {
      score: risk.score,
      ...(risk.modelVersion === undefined ? {} : { modelVersion: risk.modelVersion }),
      threshold: riskThresholdOf(ctx),
      ...(risk.reasons === undefined ? {} : { reasons: risk.reasons }),
    };
    record.modelVersion ??= risk.modelVersion;
  }
  if (record.modelVersion === undefined) delete record.modelVersion;
  if (proposal.escalation !== undefined) {
    record.escalation = {
      step: proposal.escalation.step,
      action: proposal.escalation.action,
      startedAt: iso(proposal.escalation.startedAt),
    };
  }
  return record;
}

/** The bounded form kept in the policy's status (lastDecisions). */
export function toDecisionSummary(record: DecisionRecord): DecisionSummary {
  return {
    time: record.time,
    action: record.action,
    outcome: record.outcome,
    reason: record.reason,
    message: record.message,
    ...(record.fromReplicas === undefined ? {} : { fromReplicas: record.fromReplicas }),
    ...(record.toReplicas === undefined ? {} : { toReplicas: record.toReplicas }),
    ...(record.pod === undefined ? {} : { pod: record.pod }),
    ...(record.blockedBy === undefined ? {} : { guardrail: record.blockedBy }),
    decisionId: record.id,
  };
}
