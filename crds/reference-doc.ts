/**
 * Renders docs/crds.md, the user-facing field reference, from the generated CRDs, so that the
 * documentation can never disagree with what the API server enforces.
 */
import type { CustomResourceDefinition } from './manifests.ts';
import type { JSONSchemaProps } from './openapi/types.ts';

export interface DocExample {
  /** Repository-relative path of the example file. */
  path: string;
  kind: string;
  content: string;
}

const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.replaceAll('`', "'")}\``;
}

function typeName(schema: JSONSchemaProps): string {
  if (schema['x-kubernetes-int-or-string']) return 'int-or-string';
  switch (schema.type) {
    case 'array':
      return `[]${schema.items ? typeName(schema.items) : 'any'}`;
    case 'object':
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return `map[string]${typeName(schema.additionalProperties)}`;
      }
      return 'object';
    case 'string':
      if (schema.pattern === DURATION_PATTERN) return 'duration';
      if (schema.format === 'date-time') return 'date-time';
      return 'string';
    default:
      return schema.type ?? 'any';
  }
}

function range(schema: JSONSchemaProps): string | undefined {
  const { minimum, maximum } = schema;
  if (minimum === undefined && maximum === undefined) return undefined;
  const low = minimum === undefined ? '' : `${schema.exclusiveMinimum ? '>' : '≥'} ${minimum}`;
  const high = maximum === undefined ? '' : `${schema.exclusiveMaximum ? '<' : '≤'} ${maximum}`;
  return `Range: ${[low, high].filter(Boolean).join(', ')}.`;
}

function constraints(schema: JSONSchemaProps): string[] {
  const notes: string[] = [];
  if (schema.enum) notes.push(`One of ${schema.enum.map(code).join(', ')}.`);
  const numeric = range(schema);
  if (numeric) notes.push(numeric);
  const isDuration = schema.pattern === DURATION_PATTERN;
  if (!isDuration && (schema.minLength !== undefined || schema.maxLength !== undefined)) {
    notes.push(`Length: ${schema.minLength ?? 0}..${schema.maxLength ?? '∞'}.`);
  }
  if (schema.pattern && !isDuration) notes.push(`Pattern: ${code(schema.pattern)}.`);
  if (schema.minItems !== undefined || schema.maxItems !== undefined) {
    notes.push(`Items: ${schema.minItems ?? 0}..${schema.maxItems ?? '∞'}.`);
  }
  if (schema['x-kubernetes-list-type'] === 'map') {
    notes.push(`Keyed by ${(schema['x-kubernetes-list-map-keys'] ?? []).map(code).join(' and ')}.`);
  }
  if (schema['x-kubernetes-list-type'] === 'set') notes.push('Values are unique.');
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    notes.push(`Rule: ${rule.message ?? rule.rule}.`);
  }
  return notes;
}

function fieldRows(schema: JSONSchemaProps, prefix: string, rows: string[]): void {
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const label = required.has(name) ? `${code(path)} (required)` : code(path);
    const defaultValue = child.default === undefined ? '' : code(child.default);
    const description = [child.description ?? '', ...constraints(child)].filter(Boolean).join(' ');
    rows.push(`| ${label} | ${typeName(child)} | ${escapeCell(defaultValue)} | ${escapeCell(description)} |`);
    if (child.properties) fieldRows(child, `${path}.`, rows);
    if (child.items?.properties) fieldRows(child.items, `${path}[].`, rows);
  }
}

function fieldTable(schema: JSONSchemaProps): string {
  const rows = ['| Field | Type | Default | Description |', '|---|---|---|---|'];
  fieldRows(schema, '', rows);
  return rows.join('\n');
}

function resourceSection(crd: CustomResourceDefinition, examples: DocExample[]): string {
  const { names } = crd.spec;
  const version = crd.spec.versions[0];
  const root = version.schema.openAPIV3Schema;
  const spec = root.properties!.spec;
  const status = root.properties!.status;
  const columns = version.additionalPrinterColumns
    .map((c) => `${c.name}${c.priority ? ' (wide)' : ''}`)
    .join(', ');
  const lines = [
    `## ${names.kind}`,
    '',
    root.description ?? '',
    '',
    `- API: \`${crd.spec.group}/${version.name}\`, kind \`${names.kind}\`, namespaced.`,
    `- kubectl: \`kubectl get ${names.plural}\` (also \`${names.singular}\`, ${names.shortNames.map(code).join(', ')}); ` +
      `\`kubectl get ${names.categories.join(', ')}\` lists every Homeostat resource.`,
    `- Columns: ${columns}.`,
    '',
  ];
  for (const example of examples.filter((e) => e.kind === names.kind)) {
    lines.push(`### Example: \`${example.path}\``, '', '```yaml', example.content.trimEnd(), '```', '');
  }
  lines.push('### spec', '', spec.description ?? '', '', fieldTable(spec), '');
  lines.push('### status', '', status.description ?? '', '', fieldTable(status), '');
  return lines.join('\n');
}

/** The markdown reference of every resource, with the given examples shown under their kind. */
export function renderReference(
  crds: CustomResourceDefinition[],
  examples: DocExample[],
  header: string,
): string {
  const group = crds[0].spec.group;
  const version = crds[0].spec.versions[0].name;
  const intro = [
    header,
    '# Custom resource reference',
    '',
    `Homeostat is configured with namespaced custom resources in the API group \`${group}\`, version \`${version}\`:`,
    '',
    ...crds.map(
      (crd) =>
        `- [${crd.spec.names.kind}](#${crd.spec.names.kind.toLowerCase()}): ${crd.spec.versions[0].schema.openAPIV3Schema.description}`,
    ),
    '',
    'Install the definitions with `kubectl apply -f crds/generated/all.yaml`. They are generated from the zod',
    'schemas in `crds/schemas/` by `npm run crds:generate`, as is this page.',
    '',
    'The API server checks every field below: types, ranges, patterns, and the rules listed with a field (CEL',
    'validation rules). Defaults are filled in by the API server, so `kubectl get -o yaml` shows the values',
    'in effect. A few checks that OpenAPI cannot express — cron syntax, time zones, the lengths of the parts of',
    'a label key — are made by Homeostat when it reads an object (`parseResiliencePolicy` and',
    '`parseChaosExperiment` in `crds/index.ts`). Durations are Go durations: `300ms`, `30s`, `5m`, `1h30m`.',
    '',
  ];
  return `${[...intro, ...crds.map((crd) => resourceSection(crd, examples))].join('\n').trimEnd()}\n`;
}
