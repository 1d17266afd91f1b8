// The sandbox must accept the project's own CRDs and their examples exactly as a cluster would.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { serverSideApply } from '../patch/server-side-apply.ts';
import { typeFromSchema } from '../patch/types.ts';
import { validateCustomResource } from './custom-resource.ts';
import { validateStructural } from './structural.ts';
import type { JSONSchemaProps } from './types.ts';

const CRDS = new URL('../../../crds/generated/all.yaml', import.meta.url);
const EXAMPLES = new URL('../../../crds/examples/', import.meta.url);

interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: JSONSchemaProps } }[];
  };
}

function loadYaml(url: URL): Record<string, any>[] {
  return parseAllDocuments(readFileSync(url, 'utf8')).map((d) => d.toJS() as Record<string, any>);
}

describe.runIf(existsSync(CRDS))('the project’s CRDs', () => {
  const crds = loadYaml(CRDS) as Crd[];

  it('have structural schemas kube accepts', () => {
    expect(crds.length).toBeGreaterThan(0);
    for (const crd of crds) {
      crd.spec.versions.forEach((v, i) => {
        expect(
          validateStructural(v.schema.openAPIV3Schema, `spec.versions[${i}].schema.openAPIV3Schema`),
        ).toEqual([]);
      });
    }
  });

  const examples = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')) : [];
  it.each(examples)(
    'accept the example %s under fieldValidation=Strict, and by server-side apply',
    (file) => {
      for (const obj of loadYaml(new URL(file, EXAMPLES))) {
        const crd = crds.find((c) => c.spec.names.kind === obj.kind);
        expect(crd, `a CRD for ${obj.kind}`).toBeDefined();
        const version = crd!.spec.versions.find((v) => `${crd!.spec.group}/${v.name}` === obj.apiVersion)!;
        const schema = version.schema.openAPIV3Schema;
        const { object, warnings } = validateCustomResource(obj, schema, {
          fieldValidation: 'Strict',
          group: crd!.spec.group,
        });
        expect(warnings).toEqual([]);
        const applied = serverSideApply(undefined, obj, {
          manager: 'kubectl',
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          type: typeFromSchema(schema),
          force: false,
        });
        expect(applied.spec).toEqual(obj.spec);
        expect(object.metadata).toEqual(obj.metadata);
      }
    },
  );
});
