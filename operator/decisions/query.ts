/**
 * The decision log's query language, as the dashboard sends it: filters, a text search and cursor
 * paging by sequence number. The schema takes REST query strings as they come (numbers as text,
 * lists comma-separated), and rejects unknown parameters by name.
 */
import { z } from 'zod';
import { DecisionActionSchema, DecisionOutcomeSchema } from '../../crds/index.ts';
import {
  ControlActionSchema,
  describeIssues,
  type LoggedControl,
  type LoggedDecision,
  VerdictSchema,
} from './schemas.ts';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 50;

const INSTANT_ERROR = 'must be epoch milliseconds or an RFC 3339 timestamp';
const instant = z
  .union([
    z.number().min(0),
    z
      .string()
      .regex(/^\d+$/)
      .transform((s) => Number(s)),
    z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    z.date().transform((d) => d.getTime()),
  ])
  .refine((n) => Number.isFinite(n), INSTANT_ERROR);

/** One value, several, or a comma-separated string of them. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : v,
    z.array(item).min(1).max(16),
  );
}

export const VerdictFilterSchema = z.union([VerdictSchema, z.literal('Unverified')]);
export type VerdictFilter = z.infer<typeof VerdictFilterSchema>;

/** What the log holds: decisions (each merged with its verification) and control actions. */
export const EntryKindSchema = z.enum(['decision', 'control']);
export type EntryKind = z.infer<typeof EntryKindSchema>;

export const DecisionQuerySchema = z.strictObject({
  /** Which entries: `decision` (default), `control`, or both (`decision,control`), by sequence. */
  kind: list(EntryKindSchema).default(['decision']),
  /** Who took a control action (exact); decisions have no actor, so they never match. */
  by: z.string().min(1).max(256).optional(),
  namespace: z.string().min(1).max(253).optional(),
  /** Policy name (within `namespace` when given). */
  policy: z.string().min(1).max(253).optional(),
  /** Target Deployment name. */
  target: z.string().min(1).max(253).optional(),
  action: list(z.union([DecisionActionSchema, ControlActionSchema])).optional(),
  outcome: list(DecisionOutcomeSchema).optional(),
  /** Verification verdict; Unverified for decisions not verified (yet). */
  verdict: list(VerdictFilterSchema).optional(),
  /** Decision time, inclusive. */
  since: instant.optional(),
  /** Decision time, exclusive. */
  until: instant.optional(),
  /**
   * Case-insensitive substring of id, reason, message, rule, pod, policy, target, action or outcome;
   * of a control action: id, action, by, reason, target, outcome or error.
   */
  text: z.string().min(1).max(256).optional(),
  order: z.enum(['newest', 'oldest']).default('newest'),
  /** The `nextCursor` of the previous page: a sequence number, exclusive. */
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});
export type DecisionQueryInput = z.input<typeof DecisionQuerySchema>;
export type DecisionQuery = z.infer<typeof DecisionQuerySchema>;

export class DecisionQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionQueryError';
  }
}

export function parseDecisionQuery(input: unknown): DecisionQuery {
  const r = DecisionQuerySchema.safeParse(input ?? {});
  if (!r.success) throw new DecisionQueryError(`invalid decision query: ${describeIssues(r.error)}`);
  return r.data;
}

/** The fields the log keeps in memory for every decision, so most filters never touch the disk. */
export interface IndexedFields {
  timeMs: number;
  namespace: string;
  policy: string;
  target: string;
  action: string;
  outcome: string;
  verdict: VerdictFilter;
}

export function matchesIndexed(q: DecisionQuery, e: IndexedFields): boolean {
  if (q.by !== undefined) return false;
  if (q.namespace !== undefined && e.namespace !== q.namespace) return false;
  if (q.policy !== undefined && e.policy !== q.policy) return false;
  if (q.target !== undefined && e.target !== q.target) return false;
  if (q.action !== undefined && !q.action.includes(e.action as never)) return false;
  if (q.outcome !== undefined && !q.outcome.includes(e.outcome as never)) return false;
  if (q.verdict !== undefined && !q.verdict.includes(e.verdict)) return false;
  if (q.since !== undefined && e.timeMs < q.since) return false;
  if (q.until !== undefined && e.timeMs >= q.until) return false;
  return true;
}

/** Lower-cased needle for `matchesText`. */
export function textNeedle(text: string): string {
  return text.toLowerCase();
}

/**
 * A cheap test on the raw JSON line: false means the record cannot match. JSON escapes only quotes,
 * backslashes and control characters, so the escaped needle is a substring of any line that matches.
 */
export function lineMayMatch(rawLine: string, needle: string): boolean {
  return rawLine.toLowerCase().includes(JSON.stringify(needle).slice(1, -1));
}

export function matchesText(d: LoggedDecision, needle: string): boolean {
  const fields = [
    d.id,
    d.reason,
    d.message,
    d.rule,
    d.pod,
    d.policy.name,
    d.target.name,
    d.action,
    d.outcome,
    d.blockedBy,
    d.error,
  ];
  return fields.some((f) => f?.toLowerCase().includes(needle));
}

/** The fields the log keeps in memory for every control action. */
export interface IndexedControlFields {
  timeMs: number;
  action: string;
  by: string;
  outcome: string;
  targetKind?: string;
  namespace?: string;
  target?: string;
}

/**
 * Filters read on a control action: `namespace` and `target` are its target's, `policy` matches a
 * paused or resumed ResiliencePolicy; a verdict filter matches none (controls are not verified).
 */
export function matchesIndexedControl(q: DecisionQuery, e: IndexedControlFields): boolean {
  if (q.by !== undefined && e.by !== q.by) return false;
  if (q.verdict !== undefined) return false;
  if (q.namespace !== undefined && e.namespace !== q.namespace) return false;
  if (q.policy !== undefined && !(e.targetKind === 'ResiliencePolicy' && e.target === q.policy)) return false;
  if (q.target !== undefined && e.target !== q.target) return false;
  if (q.action !== undefined && !q.action.includes(e.action as never)) return false;
  if (q.outcome !== undefined && !q.outcome.includes(e.outcome as never)) return false;
  if (q.since !== undefined && e.timeMs < q.since) return false;
  if (q.until !== undefined && e.timeMs >= q.until) return false;
  return true;
}

export function matchesControlText(c: LoggedControl, needle: string): boolean {
  const fields = [c.id, c.action, c.by, c.reason, c.target?.kind, c.target?.name, c.outcome, c.error];
  return fields.some((f) => f?.toLowerCase().includes(needle));
}
