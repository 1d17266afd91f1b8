/**
 * Checks a CRD openAPIV3Schema against the rules kube-apiserver applies to apiextensions.k8s.io/v1
 * schemas ("structural schemas", list and map types, defaults). Returns one message per problem,
 * each starting with the path of the offending node; an empty list means the schema is accepted.
 */
import { childPath, type JSONSchemaProps, SCALAR_TYPES, SCHEMA_KEYWORDS } from './types.ts';
import { applyDefaults, validateAgainstSchema } from './validate.ts';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
/** Inside a junctor only value validations may appear (structural schema rule 3). */
const FORBIDDEN_IN_JUNCTORS = [
  'type',
  'title',
  'description',
  'default',
  'additionalProperties',
  'nullable',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
];

/** With the status subresource, the root may only use these (kube's allowedFieldsAtRootSchema). */
const ROOT_KEYWORDS = new Set([
  'description',
  'type',
  'format',
  'title',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'required',
  'items',
  'properties',
  'externalDocs',
  'example',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
]);

/** Problems that would make kube-apiserver reject `schema` as a CRD version's openAPIV3Schema. */
export function structuralViolations(schema: JSONSchemaProps): string[] {
  const problems: string[] = [];
  const at = (path: string, message: string) => problems.push(`${path || '<root>'}: ${message}`);
  if (schema.type !== 'object') at('', 'the root must have type object');
  if (schema.nullable) at('', 'the root must not be nullable');
  for (const key of Object.keys(schema)) {
    if (!ROOT_KEYWORDS.has(key))
      at('', `"${key}" is not allowed at the root when the status subresource is enabled`);
  }
  checkNode(schema, '', at);
  checkRootMetadata(schema, at);
  return problems;
}

type Report = (path: string, message: string) => void;

function checkNode(node: JSONSchemaProps, path: string, at: Report): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    at(path, 'must be a schema object');
    return;
  }
  for (const key of Object.keys(node)) {
    if (!SCHEMA_KEYWORDS.has(key)) at(path, `unknown or unsupported keyword "${key}"`);
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'];

  if (node.type === undefined) {
    if (!intOrString && preserve !== true) at(path, 'type is required');
  } else if (!TYPES.has(node.type)) {
    at(path, `type "${node.type}" is not one of ${[...TYPES].join(', ')}`);
  }
  if (intOrString) {
    if (node.type !== undefined) at(path, 'type must be empty when x-kubernetes-int-or-string is true');
    if (node.anyOf !== undefined && !isIntOrStringAnyOf(node.anyOf)) {
      at(path, 'anyOf of an int-or-string must be exactly [{type: integer}, {type: string}]');
    }
  }
  if (preserve === false) at(path, 'x-kubernetes-preserve-unknown-fields must be true or absent');
  if (intOrString && preserve === true) {
    at(path, 'x-kubernetes-preserve-unknown-fields must be false if x-kubernetes-int-or-string is true');
  }
  if (node['x-kubernetes-embedded-resource'] === true) {
    if (intOrString)
      at(path, 'x-kubernetes-embedded-resource must be false if x-kubernetes-int-or-string is true');
    if (preserve !== true) {
      at(path, 'x-kubernetes-preserve-unknown-fields must be true if x-kubernetes-embedded-resource is true');
    }
  }
  if (typeof node.description !== 'undefined' && typeof node.description !== 'string') {
    at(path, 'description must be a string');
  }
  if (node.uniqueItems === true) at(path, 'uniqueItems must not be true (use x-kubernetes-list-type: set)');

  checkShape(node, path, at);
  checkListType(node, path, at);
  checkValidations(node, path, at);
  checkEnumAndDefault(node, path, at);

  for (const junctor of JUNCTORS) {
    const value = node[junctor];
    if (value === undefined) continue;
    if (junctor === 'anyOf' && intOrString && isIntOrStringAnyOf(value as JSONSchemaProps[])) continue;
    const branches = Array.isArray(value) ? value : [value];
    branches.forEach((branch, i) => {
      checkJunctorBranch(branch as JSONSchemaProps, node, `${path}.${junctor}[${i}]`, at);
    });
  }
}

function checkShape(node: JSONSchemaProps, path: string, at: Report): void {
  const { type } = node;
  if (node.properties !== undefined) {
    if (type !== 'object') at(path, 'properties require type object');
    if (node.additionalProperties !== undefined)
      at(path, 'properties and additionalProperties are mutually exclusive');
    for (const [name, child] of Object.entries(node.properties)) checkNode(child, childPath(path, name), at);
    for (const name of node.required ?? []) {
      if (!(name in node.properties)) at(path, `required field "${name}" is not among the properties`);
    }
  } else if (node.required !== undefined && node.required.length > 0) {
    at(path, 'required lists fields but there are no properties');
  }
  if (node.additionalProperties !== undefined) {
    if (typeof node.additionalProperties === 'boolean') {
      at(path, 'additionalProperties must be a schema, not a boolean');
    } else {
      if (type !== 'object') at(path, 'additionalProperties requires type object');
      checkNode(node.additionalProperties, childPath(path, '*'), at);
    }
  }
  if (type === 'array') {
    if (node.items === undefined) at(path, 'arrays must have items');
  }
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) at(path, 'items must be one schema, not a list');
    else {
      if (type !== 'array') at(path, 'items require type array');
      checkNode(node.items, `${path}[]`, at);
    }
  }
  if (node['x-kubernetes-map-type'] !== undefined) {
    if (type !== 'object') at(path, 'x-kubernetes-map-type requires type object');
    if (!['atomic', 'granular'].includes(node['x-kubernetes-map-type'])) {
      at(path, 'x-kubernetes-map-type must be atomic or granular');
    }
  }
  if (node['x-kubernetes-embedded-resource'] === true && type !== 'object') {
    at(path, 'x-kubernetes-embedded-resource requires type object');
  }
}

function checkListType(node: JSONSchemaProps, path: string, at: Report): void {
  const listType = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  if (keys !== undefined && listType !== 'map')
    at(path, 'x-kubernetes-list-map-keys requires x-kubernetes-list-type: map');
  if (listType === undefined) return;
  if (node.type !== 'array') {
    at(path, 'x-kubernetes-list-type requires type array');
    return;
  }
  const items = node.items;
  if ((listType === 'set' || listType === 'map') && items?.nullable) {
    at(path, `items cannot be nullable when x-kubernetes-list-type is ${listType}`);
  }
  if (listType === 'set') {
    if (items && !(SCALAR_TYPES.has(items.type ?? '') || items['x-kubernetes-int-or-string'])) {
      at(path, 'items of a set list must be scalars');
    }
  } else if (listType === 'map') {
    if (items?.type !== 'object') {
      at(path, 'items of a map list must have type object');
      return;
    }
    if (!keys || keys.length === 0) {
      at(path, 'a map list needs x-kubernetes-list-map-keys');
      return;
    }
    if (new Set(keys).size !== keys.length) at(path, 'x-kubernetes-list-map-keys must not repeat a key');
    for (const key of keys) {
      const keySchema = items.properties?.[key];
      if (!keySchema) at(path, `list map key "${key}" is not a property of the items`);
      else {
        if (!SCALAR_TYPES.has(keySchema.type ?? '')) at(path, `list map key "${key}" must be a scalar`);
        if (keySchema.nullable) at(path, `list map key "${key}" cannot be nullable`);
        if (!items.required?.includes(key) && keySchema.default === undefined) {
          at(path, `list map key "${key}" must be required or have a default`);
        }
      }
    }
  } else if (listType !== 'atomic') {
    at(path, `x-kubernetes-list-type "${listType}" is not atomic, set or map`);
  }
}

function checkValidations(node: JSONSchemaProps, path: string, at: Report): void {
  const rules = node['x-kubernetes-validations'];
  if (rules === undefined) return;
  if (!Array.isArray(rules)) {
    at(path, 'x-kubernetes-validations must be a list');
    return;
  }
  rules.forEach((rule, i) => {
    if (typeof rule?.rule !== 'string' || rule.rule.trim() === '') {
      at(path, `validation rule ${i} has no rule`);
      return;
    }
    const message = rule.message;
    if (
      message !== undefined &&
      (typeof message !== 'string' || message.trim() === '' || /[\r\n]/.test(message))
    ) {
      at(path, `validation rule ${i} must have a non-empty, one-line message`);
    }
    if (/[\r\n]/.test(rule.rule.trim()) && !message?.trim()) {
      at(path, `validation rule ${i} spans lines and so needs a message`);
    }
  });
}

function checkEnumAndDefault(node: JSONSchemaProps, path: string, at: Report): void {
  if (node.enum !== undefined) {
    if (!Array.isArray(node.enum) || node.enum.length === 0) at(path, 'enum must be a non-empty list');
    else {
      for (const value of node.enum) {
        for (const error of validateAgainstSchema(value, { ...node, enum: undefined }, path)) {
          at(path, `enum value ${JSON.stringify(value)} is invalid: ${error.message}`);
        }
      }
    }
  }
  if (node.default !== undefined) {
    // Like kube-apiserver, nested defaults are applied to a default before it is validated.
    for (const error of validateAgainstSchema(applyDefaults(node.default, node), node, path)) {
      at(error.path, `default ${JSON.stringify(node.default)} is invalid: ${error.message}`);
    }
  }
}

function checkJunctorBranch(branch: JSONSchemaProps, outer: JSONSchemaProps, path: string, at: Report): void {
  if (typeof branch !== 'object' || branch === null) {
    at(path, 'must be a schema object');
    return;
  }
  for (const key of FORBIDDEN_IN_JUNCTORS) {
    if ((branch as Record<string, unknown>)[key] !== undefined)
      at(path, `${key} is not allowed inside a junctor`);
  }
  // Every field a junctor talks about must also be declared outside of it.
  for (const [name, child] of Object.entries(branch.properties ?? {})) {
    const declared = outer.properties?.[name];
    if (!declared) at(path, `property "${name}" is not declared outside the junctor`);
    else checkJunctorBranch(child, declared, childPath(path, name), at);
  }
  if (branch.items) {
    if (!outer.items) at(path, 'items are not declared outside the junctor');
    else checkJunctorBranch(branch.items, outer.items, `${path}[]`, at);
  }
  for (const junctor of JUNCTORS) {
    const nested = branch[junctor];
    if (nested === undefined) continue;
    (Array.isArray(nested) ? nested : [nested]).forEach((b, i) => {
      checkJunctorBranch(b, outer, `${path}.${junctor}[${i}]`, at);
    });
  }
}

function isIntOrStringAnyOf(branches: JSONSchemaProps[]): boolean {
  return (
    Array.isArray(branches) &&
    branches.length === 2 &&
    Object.keys(branches[0]).length === 1 &&
    branches[0].type === 'integer' &&
    Object.keys(branches[1]).length === 1 &&
    branches[1].type === 'string'
  );
}

/** At the root, metadata may only constrain name and generateName, and only as strings. */
function checkRootMetadata(schema: JSONSchemaProps, at: Report): void {
  const metadata = schema.properties?.metadata;
  if (!metadata) return;
  if (metadata.type !== 'object') at('metadata', 'must have type object');
  for (const key of Object.keys(metadata)) {
    if (!['type', 'properties', 'description'].includes(key)) {
      at('metadata', `"${key}" is not allowed; only name and generateName may be constrained`);
    }
  }
  for (const [name, child] of Object.entries(metadata.properties ?? {})) {
    if (name !== 'name' && name !== 'generateName') {
      at(childPath('metadata', name), 'only name and generateName may be specified under metadata');
    } else if (child.type !== 'string') {
      at(childPath('metadata', name), 'must have type string');
    }
  }
}
