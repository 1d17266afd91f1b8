/**
 * The bounded decision list in a ResiliencePolicy's status (`status.lastDecisions`): newest first,
 * at most MAX_STATUS_DECISIONS, one entry per decision id (a later record of the same decision,
 * e.g. one the actuator marked Failed, replaces the earlier one).
 */
import { type DecisionSummary, MAX_STATUS_DECISIONS } from '../../crds/index.ts';
import { type DecisionRecord, toDecisionSummary } from '../policy/index.ts';
import type { LoggedDecision } from './schemas.ts';

/** The status form of a logged decision; Failed carries over (the summary schema allows it). */
export function summarize(decision: LoggedDecision): DecisionSummary {
  return { ...toDecisionSummary(decision as DecisionRecord), outcome: decision.outcome };
}

/**
 * Merges new decisions (records or summaries, in the order they were made) into the current list.
 * Sorted by time, newest first; decisions of the same time keep the order they were made in,
 * reversed, and new ones come before older entries of the same time.
 */
export function mergeLastDecisions(
  current: readonly DecisionSummary[] | undefined,
  added: readonly (LoggedDecision | DecisionSummary)[],
  max: number = MAX_STATUS_DECISIONS,
): DecisionSummary[] {
  if (!Number.isInteger(max) || max < 0) throw new Error(`invalid max: must be an integer >= 0, got ${max}`);
  const fresh = added.map((d) => ('id' in d ? summarize(d) : d)).reverse();
  const byKey = new Map<string, { summary: DecisionSummary; rank: number; ms: number }>();
  let rank = 0;
  for (const s of [...fresh, ...(current ?? [])]) {
    const key = summaryKey(s);
    // The first seen wins: the newest record of a decision, ahead of what the status had.
    if (!byKey.has(key)) byKey.set(key, { summary: s, rank: rank++, ms: Date.parse(s.time) });
  }
  return [...byKey.values()]
    .sort((a, b) => b.ms - a.ms || a.rank - b.rank)
    .slice(0, max)
    .map((e) => e.summary);
}

/** Whether two lists are the same, so an unchanged status is not written again. */
export function sameDecisionList(
  a: readonly DecisionSummary[] | undefined,
  b: readonly DecisionSummary[],
): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b);
}

function summaryKey(s: DecisionSummary): string {
  return s.decisionId !== undefined
    ? `id:${s.decisionId}`
    : `anon:${JSON.stringify([s.time, s.action, s.outcome, s.reason, s.pod ?? '', s.toReplicas ?? ''])}`;
}
