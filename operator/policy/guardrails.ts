/**
 * Guardrails: the limits every proposal must pass, whatever rule produced it. Each applicable
 * guardrail is checked and recorded; the first that fails blocks the action. Actions already
 * decided in the same evaluation count, so one evaluation cannot spend a budget twice.
 */
import { resolveIntOrPercent } from '../../crds/index.ts';
import { type Context, countsAsAction } from './context.ts';
import type { Proposal } from './decision.ts';
import { iso } from './signals.ts';
import type { DecisionAction, DecisionOutcome, GuardrailCheck, GuardrailName } from './types.ts';

/** An action decided earlier in this evaluation. */
export interface TakenAction {
  action: DecisionAction;
  pod?: string;
  /** It took a serving pod out of service. */
  disruptive: boolean;
}

export interface Verdict {
  outcome: DecisionOutcome;
  checks: GuardrailCheck[];
  blockedBy?: GuardrailName;
}

const APPLICABLE: Record<DecisionAction, GuardrailName[]> = {
  ScaleUp: ['ClusterHalt', 'ChaosPause', 'ReplicaBounds', 'Cooldown', 'ActionsPerHour', 'DryRun'],
  ScaleDown: [
    'ClusterHalt',
    'ChaosPause',
    'FreshData',
    'HoldSignal',
    'ReplicaBounds',
    'Cooldown',
    'ActionsPerHour',
    'DryRun',
  ],
  Restart: [
    'ClusterHalt',
    'ChaosPause',
    'FreshData',
    'HoldSignal',
    'MaxUnavailable',
    'PodDisruptionBudget',
    'Cooldown',
    'ActionsPerHour',
    'DryRun',
  ],
  Quarantine: [
    'ClusterHalt',
    'ChaosPause',
    'FreshData',
    'HoldSignal',
    'MaxQuarantined',
    'MaxUnavailable',
    'PodDisruptionBudget',
    'Cooldown',
    'ActionsPerHour',
    'DryRun',
  ],
  Rollback: ['ClusterHalt', 'ChaosPause', 'FreshData', 'HoldSignal', 'Cooldown', 'ActionsPerHour', 'DryRun'],
  // Releasing a quarantine only gives back or cleans up: no budget, no cooldown.
  Release: ['ClusterHalt', 'ChaosPause', 'DryRun'],
};

const HOUR_MS = 3_600_000;

/** Whether acting on the pod takes a serving pod away (restarting a pod that is not ready does not). */
export function disrupts(ctx: Context, proposal: Proposal): boolean {
  if (proposal.action !== 'Restart' && proposal.action !== 'Quarantine') return false;
  return ctx.serving.some((p) => p.name === proposal.pod);
}

function ago(ctx: Context, at: number): string {
  return `${Math.round((ctx.now - at) / 1000)}s ago`;
}

function check(
  ctx: Context,
  name: GuardrailName,
  p: Proposal,
  taken: readonly TakenAction[],
): GuardrailCheck {
  const g = ctx.spec.guardrails;
  const pass = (detail: string): GuardrailCheck => ({ name, passed: true, detail });
  const fail = (detail: string): GuardrailCheck => ({ name, passed: false, detail });
  switch (name) {
    case 'ClusterHalt': {
      const halt = ctx.input.halt;
      return halt.active
        ? fail(`the cluster-wide halt is active${halt.reason ? `: ${halt.reason}` : ''}`)
        : pass('no halt');
    }
    case 'ChaosPause': {
      const chaos = ctx.input.chaos;
      if (!g.pauseDuringChaos) return pass('pauseDuringChaos is off');
      if (!chaos.active) return pass('no chaos experiment is running against the target');
      const names = chaos.experiments.length > 0 ? ` (${chaos.experiments.join(', ')})` : '';
      return fail(`a chaos experiment is running against the target${names} and pauseDuringChaos is on`);
    }
    case 'FreshData': {
      // Restarting a pod that serves nothing, on its readiness as the API reports it, takes no
      // capacity away and reads no metric: missing metrics are no reason to leave it broken.
      if (p.action === 'Restart' && p.requires.length === 0 && !disrupts(ctx, p))
        return pass('the pod is not serving and the decision reads its readiness from the API, not metrics');
      const gaps = ctx.missingCore.map((s) => {
        const r = ctx.target[s];
        return r.freshness === 'Stale' && r.observedAt !== undefined
          ? `${s} is stale (observed ${ago(ctx, r.observedAt)})`
          : `${s} is ${r.freshness.toLowerCase()}`;
      });
      for (const r of p.requires)
        if (r.freshness !== 'Fresh' && !(ctx.missingCore as readonly string[]).includes(r.name))
          gaps.push(`${r.name} is ${r.freshness.toLowerCase()}`);
      return gaps.length === 0
        ? pass(`the signals it relies on are fresh (maxMetricAgeSeconds ${g.maxMetricAgeSeconds})`)
        : fail(`${gaps.join(', ')}; nothing destructive and no scale-down on missing or stale data`);
    }
    case 'HoldSignal':
      return ctx.holding.length === 0
        ? pass('no signal is holding')
        : fail(`signal ${ctx.holding.join(', ')} has no data and onNoData Hold`);
    case 'ReplicaBounds': {
      const scaling = ctx.spec.scaling;
      if (scaling === undefined || p.toReplicas === undefined) return pass('no replica change');
      const ok = p.toReplicas >= scaling.minReplicas && p.toReplicas <= scaling.maxReplicas;
      const range = `[${scaling.minReplicas}, ${scaling.maxReplicas}]`;
      return ok ? pass(`${p.toReplicas} is within ${range}`) : fail(`${p.toReplicas} is outside ${range}`);
    }
    case 'MaxQuarantined': {
      const limit = ctx.spec.healing.quarantineOutliers.maxQuarantined;
      const count =
        ctx.quarantined.filter((q) => !q.deleting).length +
        taken.filter((t) => t.action === 'Quarantine').length;
      return count < limit
        ? pass(`${count} of ${limit} quarantined`)
        : fail(`${count} pods are quarantined, maxQuarantined is ${limit}`);
    }
    case 'MaxUnavailable': {
      const desired = ctx.currentReplicas;
      const limit = resolveIntOrPercent(g.maxUnavailable, desired, true);
      const serving = ctx.serving.length - taken.filter((t) => t.disruptive).length;
      const unavailable = Math.max(0, desired - serving);
      if (!disrupts(ctx, p)) return pass(`the pod is not serving; ${unavailable} of ${desired} unavailable`);
      if (serving <= 1) return fail(`${p.pod} is the last serving pod`);
      return unavailable + 1 <= limit
        ? pass(
            `${unavailable + 1} of ${desired} would be unavailable, maxUnavailable ${g.maxUnavailable} allows ${limit}`,
          )
        : fail(
            `${unavailable} of ${desired} pods are already unavailable; maxUnavailable ${g.maxUnavailable} allows ${limit}`,
          );
    }
    case 'PodDisruptionBudget': {
      const pdb = ctx.input.pdb;
      if (!g.respectPodDisruptionBudgets) return pass('respectPodDisruptionBudgets is off');
      if (pdb === undefined) return pass('no PodDisruptionBudget covers the target');
      if (!disrupts(ctx, p)) return pass('the pod is not healthy, so the budget is not spent');
      const used = taken.filter((t) => t.disruptive).length;
      return used < pdb.disruptionsAllowed
        ? pass(`${pdb.disruptionsAllowed - used} disruptions allowed`)
        : fail(
            `the PodDisruptionBudget allows ${pdb.disruptionsAllowed} disruptions and ${used} are already used`,
          );
    }
    case 'Cooldown': {
      if (ctx.options.cooldownExempt.has(p.action))
        return pass(`${p.action} is exempt; its rate is limited elsewhere`);
      const cooldownMs = g.cooldownSeconds * 1000;
      if (taken.some((t) => t.action === p.action) && cooldownMs > 0) {
        return fail(`a ${p.action} was decided in this evaluation; cooldownSeconds ${g.cooldownSeconds}`);
      }
      const last = ctx.history.findLast((d) => d.action === p.action && countsAsAction(d.outcome, ctx.mode));
      if (last !== undefined && ctx.now - last.time < cooldownMs) {
        return fail(
          `the last ${p.action} was ${ago(ctx, last.time)} (${iso(last.time)}); cooldownSeconds ${g.cooldownSeconds}`,
        );
      }
      return pass(
        last === undefined ? `no earlier ${p.action}` : `the last ${p.action} was ${ago(ctx, last.time)}`,
      );
    }
    case 'ActionsPerHour': {
      const counted = (a: DecisionAction) => a !== 'Release';
      const inHour =
        ctx.history.filter(
          (d) => counted(d.action) && d.time > ctx.now - HOUR_MS && countsAsAction(d.outcome, ctx.mode),
        ).length + taken.filter((t) => counted(t.action)).length;
      return inHour < g.maxActionsPerHour
        ? pass(`${inHour} of ${g.maxActionsPerHour} actions in the last hour`)
        : fail(`${inHour} actions in the last hour; maxActionsPerHour is ${g.maxActionsPerHour}`);
    }
    case 'DryRun':
      return pass(ctx.mode === 'DryRun' ? 'mode DryRun: recorded, not carried out' : 'mode Enforce');
  }
}

export function judge(ctx: Context, proposal: Proposal, taken: readonly TakenAction[]): Verdict {
  if (proposal.skip) return { outcome: 'Skipped', checks: [] };
  const checks = APPLICABLE[proposal.action].map((name) => check(ctx, name, proposal, taken));
  const failed = checks.find((c) => !c.passed);
  if (failed !== undefined) return { outcome: 'Blocked', checks, blockedBy: failed.name };
  return { outcome: ctx.mode === 'DryRun' ? 'DryRun' : 'Applied', checks };
}
