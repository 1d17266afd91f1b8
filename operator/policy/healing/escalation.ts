/**
 * The escalation ladder: while the SLO stays breached, the policy's escalation actions are tried
 * in order. A step whose action does not apply (feature disabled, no candidate, nothing to roll
 * back to) is passed over; a step that was carried out gets escalateAfterSeconds to restore the
 * SLO before the next one is tried. The episode ends when the SLO recovers.
 */
import type { HealingAction } from '../../../crds/index.ts';
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import type { EscalationState } from '../types.ts';

/** A step's action, ready to be carried out: a pod or rollout proposal, or a replica floor. */
export type StepAction = { proposal: Proposal } | { scaleTo: number };

export type LadderOptions = Partial<Record<HealingAction, StepAction>>;

export interface LadderPlan {
  state?: EscalationState;
  step?: { index: number; action: HealingAction; startedAt: number } & StepAction;
  /** Every step has been tried or does not apply, and the SLO is still breached. */
  exhausted?: Proposal;
}

export function planEscalation(ctx: Context, options: LadderOptions): LadderPlan {
  if (!ctx.slo.breached) return {};
  const { escalation: order, escalateAfterSeconds } = ctx.spec.healing;
  let state: EscalationState = ctx.state.escalation ?? { startedAt: ctx.now, step: 0 };
  if (state.actedAt !== undefined) {
    if (ctx.now - state.actedAt < escalateAfterSeconds * 1000) return { state };
    state = { startedAt: state.startedAt, step: state.step + 1 };
  }
  for (let index = state.step; index < order.length; index++) {
    const action = order[index];
    const option = options[action];
    if (option !== undefined) {
      return {
        state: { ...state, step: index },
        step: { index, action, startedAt: state.startedAt, ...option },
      };
    }
  }
  const last = order[order.length - 1];
  return {
    state: { ...state, step: order.length },
    exhausted: {
      action: last,
      rule: 'healing/Escalation',
      reason: 'EscalationExhausted',
      message: `The SLO is still breached (${ctx.slo.breaches.join(', ')}) and every escalation step (${order.join(', ')}) has been tried or does not apply.`,
      inputs: ctx.slo.inputs,
      requires: [],
      skip: true,
    },
  };
}
