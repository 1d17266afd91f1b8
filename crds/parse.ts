/**
 * Parsing of custom resources from untrusted input (files, REST bodies, the API server):
 * a typed value with defaults applied, or every problem with the path of the field it is about.
 */
import type { z } from 'zod';
import { schemaForKind } from './manifests.ts';
import type { FieldError } from './openapi/validate.ts';
import { pruneUnknownFields } from './openapi/validate.ts';
import {
  CHAOS_EXPERIMENT_KIND,
  type ChaosExperiment,
  ChaosExperimentSchema,
} from './schemas/chaos-experiment.ts';
import {
  RESILIENCE_POLICY_KIND,
  type ResiliencePolicy,
  ResiliencePolicySchema,
} from './schemas/resilience-policy.ts';

export type { FieldError } from './openapi/validate.ts';

export type ParseResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      errors: FieldError[];
      /** All errors in one line per field, for logs, events and CLI output. */
      message: string;
    };

export interface ParseOptions {
  /**
   * reject (default): fields the schema does not know are errors, like `kubectl apply` with strict
   * field validation. prune: they are dropped, as the API server stores objects; use this for
   * objects read back from a cluster whose CRD may be newer than this code.
   */
  unknownFields?: 'reject' | 'prune';
}

/** Thrown by the assert* helpers; carries the same field errors as a failed ParseResult. */
export class CustomResourceValidationError extends Error {
  constructor(
    readonly kind: string,
    readonly errors: FieldError[],
  ) {
    super(`invalid ${kind}:\n${formatFieldErrors(errors)}`);
    this.name = 'CustomResourceValidationError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out || '<root>';
}

/** Flattens zod issues into one error per field, naming unknown fields individually. */
export function fieldErrorsFromZod(error: z.ZodError): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          errors.push({ path: formatPath([...path, key]), message: 'unknown field' });
      } else if (
        issue.code === 'invalid_union' &&
        issue.errors.length > 0 &&
        issue.message === 'Invalid input'
      ) {
        // Report the branch that got furthest rather than a bare "Invalid input".
        const best = [...issue.errors].sort((a, b) => b.length - a.length)[0];
        visit(best, path);
      } else if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
        errors.push({ path: formatPath(path), message: 'required field is missing' });
      } else {
        errors.push({ path: formatPath(path), message: issue.message });
      }
    }
  };
  visit(error.issues, []);
  return errors;
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}

function parseWith<T>(
  schema: z.ZodType<T>,
  kind: string,
  input: unknown,
  options: ParseOptions,
): ParseResult<T> {
  const candidate =
    options.unknownFields === 'prune'
      ? pruneUnknownFields(input, schemaForKind(kind), { root: true })
      : input;
  const result = schema.safeParse(candidate);
  if (result.success) return { ok: true, value: result.data };
  const errors = fieldErrorsFromZod(result.error);
  return { ok: false, errors, message: formatFieldErrors(errors) };
}

/** Validates a ResiliencePolicy (as parsed from YAML or JSON) and applies its defaults. */
export function parseResiliencePolicy(
  input: unknown,
  options: ParseOptions = {},
): ParseResult<ResiliencePolicy> {
  return parseWith(ResiliencePolicySchema, RESILIENCE_POLICY_KIND, input, options);
}

/** Validates a ChaosExperiment (as parsed from YAML or JSON) and applies its defaults. */
export function parseChaosExperiment(
  input: unknown,
  options: ParseOptions = {},
): ParseResult<ChaosExperiment> {
  return parseWith(ChaosExperimentSchema, CHAOS_EXPERIMENT_KIND, input, options);
}

export function assertResiliencePolicy(input: unknown, options: ParseOptions = {}): ResiliencePolicy {
  const result = parseResiliencePolicy(input, options);
  if (!result.ok) throw new CustomResourceValidationError(RESILIENCE_POLICY_KIND, result.errors);
  return result.value;
}

export function assertChaosExperiment(input: unknown, options: ParseOptions = {}): ChaosExperiment {
  const result = parseChaosExperiment(input, options);
  if (!result.ok) throw new CustomResourceValidationError(CHAOS_EXPERIMENT_KIND, result.errors);
  return result.value;
}

export type HomeostatResource = ResiliencePolicy | ChaosExperiment;

/** Parses any Homeostat resource, dispatching on `kind`. */
export function parseHomeostatResource(
  input: unknown,
  options: ParseOptions = {},
): ParseResult<HomeostatResource> {
  const kind = typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;
  if (kind === RESILIENCE_POLICY_KIND) return parseResiliencePolicy(input, options);
  if (kind === CHAOS_EXPERIMENT_KIND) return parseChaosExperiment(input, options);
  const errors = [
    {
      path: 'kind',
      message: `expected ${RESILIENCE_POLICY_KIND} or ${CHAOS_EXPERIMENT_KIND}, got ${JSON.stringify(kind)}`,
    },
  ];
  return { ok: false, errors, message: formatFieldErrors(errors) };
}
