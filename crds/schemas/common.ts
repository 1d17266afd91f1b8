/**
 * Building blocks shared by every Homeostat custom resource: Kubernetes names, object metadata,
 * label selectors, conditions, durations, int-or-percent values, threshold comparisons.
 *
 * Each schema is written so that `crds/openapi/convert.ts` turns it into a *structural*
 * OpenAPI schema. Cross-field rules live twice on purpose: as a zod refinement (clear errors in
 * our own code) and as a CEL rule in `x-kubernetes-validations` (kube-apiserver enforces it too).
 */
import { z } from 'zod';

export const GROUP = 'homeostat.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** One CEL rule as kube-apiserver evaluates it (`x-kubernetes-validations`). */
export interface ValidationRule {
  rule: string;
  message: string;
}

/** Attaches CEL rules to a schema; the zod refinement expressing the same rule is the caller's job. */
export function withRules<T extends z.ZodType>(schema: T, rules: ValidationRule[]): T {
  return schema.meta({ 'x-kubernetes-validations': rules }) as T;
}

// ---------------------------------------------------------------------------------------------
// Names

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A DNS-1123 label: namespaces, most short names. */
export const dnsLabel = () =>
  z
    .string()
    .min(1)
    .max(63)
    .regex(
      DNS1123_LABEL,
      'must be a DNS-1123 label: lower-case alphanumerics and "-", at most 63 characters',
    );

/** A DNS-1123 subdomain: the names of Deployments, Pods and most other objects. */
export const dnsSubdomain = () =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain: lower-case alphanumerics, "-" and "."');

/** True for a Kubernetes qualified name such as `app`, `app.kubernetes.io/name`. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A label or annotation key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const labelKey = () =>
  z
    .string()
    .min(1)
    .max(316)
    .regex(QUALIFIED_NAME, 'must be a qualified name such as "app" or "app.kubernetes.io/name"')
    .refine(
      (key) => !QUALIFIED_NAME.test(key) || isQualifiedName(key),
      'must have a prefix of at most 253 and a name of at most 63 characters',
    );

export const labelValue = () =>
  z
    .string()
    .max(63)
    .regex(
      LABEL_VALUE,
      'must be a label value: at most 63 alphanumerics, "-", "_" or ".", alphanumeric at both ends',
    );

// ---------------------------------------------------------------------------------------------
// Object metadata

/**
 * The subset of ObjectMeta Homeostat reads. Unknown metadata fields (managedFields,
 * ownerReferences, ...) pass through untouched: the API server owns their validation.
 */
export const ObjectMetaSchema = z
  .looseObject({
    name: dnsSubdomain().optional(),
    generateName: z.string().max(253).optional(),
    namespace: dnsLabel().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.int().min(0).optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    labels: z.record(labelKey(), labelValue()).optional(),
    annotations: z.record(labelKey(), z.string()).optional(),
  })
  .refine((meta) => meta.name !== undefined || meta.generateName !== undefined, {
    message: 'name or generateName is required',
    path: ['name'],
  });
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

// ---------------------------------------------------------------------------------------------
// Lists keyed like Kubernetes lists (server-side apply merges them by key)

/** A list whose items are merged by `keys`; zod rejects duplicate keys like kube-apiserver does. */
export function listMap<T extends z.ZodType>(item: T, keys: string[], maxItems: number) {
  return z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      const seen = new Map<string, number>();
      items.forEach((entry, index) => {
        const key = JSON.stringify(keys.map((k) => (entry as Record<string, unknown>)[k]));
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `duplicate entry: ${keys.join(', ')} already used by item ${first}`,
          });
        } else {
          seen.set(key, index);
        }
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });
}

/** A list of unique scalars. */
export function listSet<T extends z.ZodType<string | number>>(item: T, maxItems: number) {
  return z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      items.forEach((entry, index) => {
        if (items.indexOf(entry) !== index) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `duplicate value ${JSON.stringify(entry)}`,
          });
        }
      });
    })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

// ---------------------------------------------------------------------------------------------
// Label selectors (metav1.LabelSelector)

export const LabelSelectorOperatorSchema = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export const LabelSelectorRequirementSchema = withRules(
  z
    .strictObject({
      key: labelKey().describe('The label key the selector applies to.'),
      operator: LabelSelectorOperatorSchema.describe(
        'How the key relates to the values: In, NotIn, Exists or DoesNotExist.',
      ),
      values: z
        .array(labelValue())
        .max(64)
        .optional()
        .describe('Values for In and NotIn (at least one); must be empty for Exists and DoesNotExist.'),
    })
    .superRefine((req, ctx) => {
      const needsValues = req.operator === 'In' || req.operator === 'NotIn';
      const count = req.values?.length ?? 0;
      if (needsValues && count === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['values'],
          message: `operator ${req.operator} needs at least one value`,
        });
      }
      if (!needsValues && count > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['values'],
          message: `operator ${req.operator} takes no values`,
        });
      }
    }),
  [
    {
      rule: "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
      message: 'In and NotIn need at least one value; Exists and DoesNotExist take none',
    },
  ],
);

export const LabelSelectorSchema = z
  .strictObject({
    matchLabels: z
      .record(labelKey(), labelValue())
      .optional()
      .describe('Labels a pod must carry, with exactly these values.'),
    matchExpressions: z
      .array(LabelSelectorRequirementSchema)
      .max(32)
      .optional()
      .describe('Set-based requirements; all of them must hold.'),
  })
  .meta({
    description: 'A Kubernetes label selector. matchLabels and matchExpressions are ANDed.',
    'x-kubernetes-map-type': 'atomic',
  });
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

/** True when the selector selects something narrower than "everything". */
export function isNonEmptySelector(selector: LabelSelector | undefined): boolean {
  if (!selector) return false;
  return Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions?.length ?? 0) > 0;
}

/** Evaluates a label selector against a pod's labels, with Kubernetes semantics. */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Conditions (metav1.Condition, with the same validation controller-gen emits)

export const ConditionSchema = z.strictObject({
  type: z
    .string()
    .max(316)
    .regex(QUALIFIED_NAME, 'must be a qualified name in CamelCase such as "Ready"')
    .describe('Type of condition in CamelCase, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.'),
  observedGeneration: z
    .int()
    .min(0)
    .optional()
    .describe('The .metadata.generation the condition was set for.'),
  lastTransitionTime: z.iso
    .datetime({ offset: true })
    .describe('When the condition last changed from one status to another.'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe("A programmatic identifier in CamelCase for the condition's last transition."),
  message: z.string().max(32768).describe('A human-readable message about the transition.'),
});
export type Condition = z.infer<typeof ConditionSchema>;

export const ConditionsSchema = listMap(ConditionSchema, ['type'], 16).describe(
  'The latest observations of the object, one per condition type.',
);

// ---------------------------------------------------------------------------------------------
// Durations (Go time.Duration strings: "250ms", "30s", "5m", "1h30m")

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g;

/** Parses a Go-style duration ("1h30m") into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: expected a Go duration such as "30s", "5m" or "1h30m"`,
    );
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * DURATION_UNITS_MS[unit];
  }
  return total;
}

/** Formats milliseconds as the shortest Go-style duration ("90000" → "1m30s"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot format ${ms} as a duration`);
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * size;
  }
  return out;
}

export interface DurationBounds {
  /** Inclusive lower bound, a Go duration. */
  min?: string;
  /** Inclusive upper bound, a Go duration. */
  max?: string;
  /** Whether "0s" is allowed. */
  allowZero?: boolean;
}

/** The CEL rules mirroring a duration's bounds, for `x-kubernetes-validations` on the string. */
export function durationRules(bounds: DurationBounds): ValidationRule[] {
  const rules: ValidationRule[] = [];
  if (!bounds.allowZero)
    rules.push({ rule: "duration(self) > duration('0s')", message: 'must be longer than zero' });
  if (bounds.min) {
    rules.push({
      rule: `duration(self) >= duration('${bounds.min}')`,
      message: `must be at least ${bounds.min}`,
    });
  }
  if (bounds.max) {
    rules.push({
      rule: `duration(self) <= duration('${bounds.max}')`,
      message: `must be at most ${bounds.max}`,
    });
  }
  return rules;
}

/** A Go-style duration string, optionally bounded; the bounds are enforced by zod and by CEL. */
export function durationSchema(bounds: DurationBounds = {}) {
  const minMs = bounds.min === undefined ? undefined : parseDuration(bounds.min);
  const maxMs = bounds.max === undefined ? undefined : parseDuration(bounds.max);
  const schema = z
    .string()
    .max(64)
    .regex(DURATION_PATTERN, 'must be a duration such as "30s", "5m" or "1h30m"')
    .superRefine((text, ctx) => {
      if (!DURATION_PATTERN.test(text)) return;
      const ms = parseDuration(text);
      if (!bounds.allowZero && ms === 0)
        ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
      if (minMs !== undefined && ms < minMs)
        ctx.addIssue({ code: 'custom', message: `must be at least ${bounds.min}` });
      if (maxMs !== undefined && ms > maxMs)
        ctx.addIssue({ code: 'custom', message: `must be at most ${bounds.max}` });
    });
  const rules = durationRules(bounds);
  return rules.length > 0 ? withRules(schema, rules) : schema;
}

// ---------------------------------------------------------------------------------------------
// Int-or-percent (intstr.IntOrString as used by maxUnavailable)

const PERCENT = /^(100|[1-9]?[0-9])%$/;

/** A non-negative integer or a percentage string "0%".."100%"; becomes x-kubernetes-int-or-string. */
export const intOrPercent = () =>
  z.union([z.int().min(0), z.string().regex(PERCENT, 'must be a percentage from "0%" to "100%"')], {
    error: 'must be a non-negative integer or a percentage from "0%" to "100%"',
  });
export type IntOrPercent = number | string;

/**
 * Resolves an int-or-percent against a total, as intstr.GetScaledValueFromIntOrPercent does:
 * percentages are scaled and rounded up or down; integers are returned unchanged.
 */
export function resolveIntOrPercent(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = PERCENT.exec(value);
  if (!match) throw new Error(`invalid int-or-percent ${JSON.stringify(value)}`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

// ---------------------------------------------------------------------------------------------
// Threshold comparisons

export const ComparisonSchema = z
  .enum(['GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual', 'Equal', 'NotEqual'])
  .describe(
    'How the observed value is compared with the threshold; the condition holds when the comparison is true.',
  );
export type Comparison = z.infer<typeof ComparisonSchema>;

/** True when `value <comparison> threshold` holds. */
export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThan':
      return value > threshold;
    case 'GreaterThanOrEqual':
      return value >= threshold;
    case 'LessThan':
      return value < threshold;
    case 'LessThanOrEqual':
      return value <= threshold;
    case 'Equal':
      return value === threshold;
    case 'NotEqual':
      return value !== threshold;
  }
}

/** A PromQL instant query; `description` says which variables Homeostat substitutes in it. */
export const promQLQuery = (description: string) => z.string().min(1).max(4096).describe(description);

export const timestamp = () => z.iso.datetime({ offset: true });
