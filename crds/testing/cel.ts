/**
 * Test support: evaluates the CEL rules (`x-kubernetes-validations`) of a structural schema the way
 * kube-apiserver does, with @bufbuild/cel, so that the rules we ship are known to parse, to refer
 * only to declared fields, and to accept and reject the same objects as the zod refinements.
 */
import { type CelInput, isCelError, parse, run } from '@bufbuild/cel';
import { childPath, type JSONSchemaProps } from '../openapi/types.ts';

export interface RuleFailure {
  path: string;
  rule: string;
  message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts JSON to CEL values typed by the schema: integers become CEL ints, objects maps. */
function toCel(value: unknown, schema: JSONSchemaProps | undefined): CelInput {
  if (schema === undefined) return value as CelInput;
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema.items));
  if (isObject(value)) {
    const map = new Map<string, CelInput>();
    for (const [key, child] of Object.entries(value)) {
      const childSchema =
        schema.properties?.[key] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      map.set(key, toCel(child, childSchema));
    }
    return map;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (schema.type === 'integer' || schema['x-kubernetes-int-or-string']) return BigInt(value);
  }
  return value as CelInput;
}

/** Every CEL rule that `value` breaks. Throws when a rule cannot be evaluated (a bug in the rule). */
export function celRuleFailures(value: unknown, schema: JSONSchemaProps, path = ''): RuleFailure[] {
  const failures: RuleFailure[] = [];
  visit(value, schema, path, failures);
  return failures;
}

function visit(value: unknown, schema: JSONSchemaProps, path: string, failures: RuleFailure[]) {
  if (value === undefined || value === null) return;
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    const result = run(rule, { self: toCel(value, schema) });
    if (isCelError(result) || typeof result !== 'boolean') {
      throw new Error(
        `${path || '<root>'}: rule ${JSON.stringify(rule)} did not evaluate to a bool: ${String(result)}`,
      );
    }
    if (!result) failures.push({ path: path || '<root>', rule, message: message ?? rule });
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      visit(item, schema.items!, childPath(path, i), failures);
    });
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema =
        schema.properties?.[key] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (childSchema) visit(child, childSchema, childPath(path, key), failures);
    }
  }
}

/**
 * Problems kube-apiserver's CEL compiler would report when the CRD is created: rules that do not
 * parse, and `self.a.b` references to fields the schema does not declare.
 */
export function celRuleCompileErrors(schema: JSONSchemaProps, path = ''): string[] {
  const errors: string[] = [];
  for (const { rule } of schema['x-kubernetes-validations'] ?? []) {
    try {
      parse(rule);
    } catch (error) {
      errors.push(`${path || '<root>'}: ${JSON.stringify(rule)} does not parse: ${(error as Error).message}`);
      continue;
    }
    const withoutStrings = rule.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
    for (const match of withoutStrings.matchAll(/\bself((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      let node: JSONSchemaProps | undefined = schema;
      for (const field of match[1].slice(1).split('.')) {
        node = node?.properties?.[field];
        if (!node) {
          errors.push(
            `${path || '<root>'}: ${JSON.stringify(rule)} refers to undeclared field self${match[1]}`,
          );
          break;
        }
      }
    }
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    errors.push(...celRuleCompileErrors(child, childPath(path, name)));
  }
  if (schema.items) errors.push(...celRuleCompileErrors(schema.items, `${path}[]`));
  if (isObject(schema.additionalProperties)) {
    errors.push(...celRuleCompileErrors(schema.additionalProperties, childPath(path, '*')));
  }
  return errors;
}
