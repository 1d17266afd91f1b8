// Checks a chart's merged values against its values.schema.json (as `helm install` does) and
// explains each problem with the dotted name of the field, e.g. "operator.replicas".
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export interface ChartValueIssue {
  /** Dotted path of the offending value, with [i] for list items: "operator.extraArgs[0]". */
  field: string;
  message: string;
}

export class ChartValuesError extends Error {
  constructor(
    readonly chart: string,
    readonly issues: ChartValueIssue[],
  ) {
    super(
      `values don't meet the schema of chart ${chart}:\n${issues.map((i) => `- ${i.field}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ChartValuesError';
  }
}

const compiled = new Map<string, ValidateFunction | null>();

function validatorFor(chartDir: string): ValidateFunction | null {
  if (compiled.has(chartDir)) return compiled.get(chartDir)!;
  const file = join(chartDir, 'values.schema.json');
  let fn: ValidateFunction | null = null;
  if (existsSync(file)) {
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    // allErrors reports every problem at once; verbose keeps the schema for the explanations.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    fn = ajv.compile(schema as object);
  }
  compiled.set(chartDir, fn);
  return fn;
}

function fieldOf(values: unknown, pointer: string): string {
  let field = '';
  let cur: any = values;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) field += `[${seg}]`;
    else field += /^[A-Za-z_$][\w$-]*$/.test(seg) ? (field ? `.${seg}` : seg) : `[${JSON.stringify(seg)}]`;
    cur = cur?.[seg];
  }
  return field;
}

const join1 = (field: string, key: string) =>
  /^[A-Za-z_$][\w$-]*$/.test(key) ? (field ? `${field}.${key}` : key) : `${field}[${JSON.stringify(key)}]`;
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function explain(values: unknown, e: ErrorObject): ChartValueIssue {
  const field = fieldOf(values, e.instancePath);
  const schema = e.parentSchema as
    | { description?: string; properties?: Record<string, unknown>; writeOnly?: boolean }
    | undefined;
  const hint = schema?.description ? ` (${schema.description})` : '';
  // Secrets (writeOnly in the schema) are never echoed back into an error message or a log.
  const shown = (v: unknown) => (schema?.writeOnly ? 'the given value' : show(v));
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const known = Object.keys(schema?.properties ?? {});
      return {
        field: join1(field, p.additionalProperty),
        message: `unknown field${known.length ? `; known fields here: ${known.join(', ')}` : ''}`,
      };
    }
    case 'required':
      return { field: join1(field, p.missingProperty), message: 'is required' };
    case 'type':
      return {
        field,
        message: `must be ${[p.type].flat().join(' or ')}, got ${typeOf(e.data)} ${shown(e.data)}`,
      };
    case 'enum':
      return {
        field,
        message: `must be one of ${p.allowedValues.map(show).join(', ')}, got ${shown(e.data)}`,
      };
    case 'pattern':
      return { field, message: `${shown(e.data)} is not valid${hint || ` (must match ${p.pattern})`}` };
    default:
      return { field, message: `${e.message ?? 'is invalid'}, got ${shown(e.data)}${hint}` };
  }
}

/** The problems of `values` against the chart's schema; empty when it has none or no schema. */
export function checkChartValues(chartDir: string, values: unknown): ChartValueIssue[] {
  const validate = validatorFor(chartDir);
  if (!validate || validate(values)) return [];
  const seen = new Set<string>();
  const issues: ChartValueIssue[] = [];
  for (const e of validate.errors ?? []) {
    const issue = explain(values, e);
    const key = `${issue.field}\n${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}
