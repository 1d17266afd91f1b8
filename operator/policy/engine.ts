/**
 * The policy engine: a pure function of the policy, the observed target, its signals, predictions,
 * the cluster-wide halt and the history, to a list of decision records and the state to carry to
 * the next evaluation. It reads no clock and does no I/O; `now` is part of the input.
 */
import { buildContext, type Context, countsAsAction, parseInput, resolveOptions } from './context.ts';
import { buildDecision, type Proposal } from './decision.ts';
import { disrupts, judge, type TakenAction, type Verdict } from './guardrails.ts';
import { planHealing } from './healing/index.ts';
import { describeHpa, hpaSpec, noCounterfactual, simulateHpa } from './hpa-model.ts';
import { planScaling, readForecast } from './scaling.ts';
import { observedSignal } from './signals.ts';
import type {
  DecisionRecord,
  EngineInput,
  EngineOptions,
  Evaluation,
  HpaCounterfactual,
  PolicyState,
} from './types.ts';

/** A Blocked or Skipped decision that history already holds, recently enough, is not recorded again. */
function isQuietRepeat(ctx: Context, p: Proposal, verdict: Verdict): boolean {
  if (verdict.outcome !== 'Blocked' && verdict.outcome !== 'Skipped') return false;
  const since = ctx.now - ctx.options.quietRepeatMs;
  return ctx.history.some(
    (d) =>
      d.time > since &&
      d.outcome === verdict.outcome &&
      d.action === p.action &&
      d.rule === p.rule &&
      d.reason === p.reason &&
      d.pod === p.pod &&
      d.blockedBy === verdict.blockedBy &&
      d.toReplicas === p.toReplicas,
  );
}

function counterfactual(ctx: Context): { hpa: HpaCounterfactual; state: PolicyState['hpa'] } {
  const spec = hpaSpec(ctx);
  if (spec === undefined)
    return {
      hpa: noCounterfactual(ctx, 'the policy does not scale, so there is no HPA to compare with'),
      state: ctx.state.hpa,
    };
  const simulated = simulateHpa(ctx, spec, ctx.state.hpa);
  return { hpa: describeHpa(simulated.result), state: simulated.state };
}

export function evaluatePolicy(input: EngineInput, options?: EngineOptions): Evaluation {
  const ctx = buildContext(parseInput(input), resolveOptions(options));
  const cf = counterfactual(ctx);
  const healing = planHealing(ctx);
  const ladderStep = healing.ladder.step;
  const scaleStep = ladderStep !== undefined && 'scaleTo' in ladderStep ? ladderStep : undefined;
  const scaling = planScaling(ctx, scaleStep?.scaleTo);
  if (scaleStep !== undefined) {
    for (const p of scaling.proposals) {
      if (p.action === 'ScaleUp' && !p.skip)
        p.escalation = { step: scaleStep.index, action: 'ScaleUp', startedAt: scaleStep.startedAt };
    }
  }

  // Releases and a rollback first, then added capacity, then pod actions, then capacity removed.
  const first = healing.proposals.filter((p) => p.action === 'Release' || p.action === 'Rollback');
  const podActions = healing.proposals.filter((p) => !first.includes(p));
  const ordered = [
    ...first,
    ...scaling.proposals.filter((p) => p.action === 'ScaleUp'),
    ...podActions,
    ...scaling.proposals.filter((p) => p.action !== 'ScaleUp'),
  ];

  const forecast = readForecast(ctx);
  const shared = { hpa: cf.hpa, ...(forecast === undefined ? {} : { forecast }) };
  const decisions: DecisionRecord[] = [];
  const taken: TakenAction[] = [];
  let rolledBack = false;
  for (const p of ordered) {
    if (rolledBack && (p.action === 'Restart' || p.action === 'Quarantine')) {
      // The rollback replaces the pods; acting on them now would only add churn.
      p.skip = true;
      p.reason = 'SupersededByRollback';
      p.message = `${p.message} Not done: a rollback was decided in the same evaluation.`;
    }
    const verdict = judge(ctx, p, taken);
    if (isQuietRepeat(ctx, p, verdict)) continue;
    decisions.push(buildDecision(ctx, p, verdict, shared, decisions.length));
    if (countsAsAction(verdict.outcome, ctx.mode)) {
      taken.push({
        action: p.action,
        ...(p.pod === undefined ? {} : { pod: p.pod }),
        disruptive: disrupts(ctx, p),
      });
      if (p.action === 'Rollback') rolledBack = true;
    }
  }

  let escalation = healing.ladder.state;
  const stepDecision = decisions.find((d) => d.escalation !== undefined && d.outcome !== 'Skipped');
  if (
    escalation !== undefined &&
    stepDecision?.escalation !== undefined &&
    countsAsAction(stepDecision.outcome, ctx.mode)
  ) {
    escalation = { ...escalation, actedAt: ctx.now, action: stepDecision.escalation.action };
  }

  const state: PolicyState = {
    version: 1,
    recommendations: scaling.recommendations,
    hpa: cf.state,
    signals: Object.fromEntries(ctx.custom.map((c) => [c.spec.name, c.memory])),
    ...(escalation === undefined ? {} : { escalation }),
    ...(scaling.sloFloor === undefined ? {} : { sloFloor: scaling.sloFloor }),
  };

  const halt = ctx.input.halt;
  const chaosPause = ctx.spec.guardrails.pauseDuringChaos && ctx.input.chaos.active;
  return {
    decisions,
    state,
    observed: {
      paused: halt.active || chaosPause,
      ...(halt.active
        ? { pausedReason: `cluster-wide halt${halt.reason ? `: ${halt.reason}` : ''}` }
        : chaosPause
          ? {
              pausedReason:
                ctx.input.chaos.experiments.length > 0
                  ? `chaos experiment ${ctx.input.chaos.experiments.join(', ')} is running against the target`
                  : 'a chaos experiment is running against the target',
            }
          : {}),
      sloBreached: ctx.slo.breached,
      breaches: ctx.slo.breaches,
      missingSignals: [
        ...ctx.missingCore,
        ...ctx.custom.filter((c) => c.state === 'NoData').map((c) => `signal:${c.spec.name}`),
      ],
      signals: ctx.custom.map(observedSignal),
      ...(scaling.desiredReplicas === undefined ? {} : { desiredReplicas: scaling.desiredReplicas }),
      hpa: cf.hpa,
    },
  };
}
