import { describe, expect, it } from 'vitest';
import { openApiV3Doc } from '../../openapi.ts';
import { ResourceRegistry } from '../../resources.ts';
import { pruneAndCollectUnknown } from '../../schema/prune.ts';
import { builtinKindSchema, builtinStructuralSchema } from './index.ts';

const DESCRIBED = [
  ['rbac.authorization.k8s.io', 'Role'],
  ['rbac.authorization.k8s.io', 'ClusterRole'],
  ['rbac.authorization.k8s.io', 'RoleBinding'],
  ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
  ['networking.k8s.io', 'NetworkPolicy'],
] as const;

function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refsIn(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') out.push(x as string);
      else refsIn(x, out);
    }
  return out;
}

describe('built-in kind schemas', () => {
  it('describe each served RBAC and networking kind, and no others', () => {
    for (const [group, kind] of DESCRIBED) {
      const s = builtinKindSchema(group, 'v1', kind);
      expect(s?.definitions[s.name]?.['x-kubernetes-group-version-kind']).toEqual([
        { group, kind, version: 'v1' },
      ]);
    }
    expect(builtinKindSchema('apps', 'v1', 'Deployment')).toBeUndefined();
    expect(builtinStructuralSchema('', 'v1', 'Pod')).toBeUndefined();
  });

  it('publish one OpenAPI document per group-version whose references all resolve', () => {
    const registry = new ResourceRegistry();
    for (const group of ['rbac.authorization.k8s.io', 'networking.k8s.io']) {
      const doc = openApiV3Doc(registry, group, 'v1') as any;
      const names = Object.keys(doc.components.schemas);
      for (const ref of refsIn(doc)) expect(names).toContain(ref.replace('#/components/schemas/', ''));
      expect(names).toContain('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    }
    const rbac = openApiV3Doc(registry, 'rbac.authorization.k8s.io', 'v1') as any;
    const path = rbac.paths['/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}'];
    expect(path.put.requestBody.content['*/*'].schema).toEqual({
      $ref: '#/components/schemas/io.k8s.api.rbac.v1.RoleBinding',
    });
    // No strategic merge patch is offered, so kubectl keeps computing those from its compiled types.
    expect(Object.keys(path.patch.requestBody.content)).not.toContain(
      'application/strategic-merge-patch+json',
    );
  });

  it('find the fields a kind does not have, at any depth, leaving metadata to its own check', () => {
    const schema = builtinStructuralSchema('networking.k8s.io', 'v1', 'NetworkPolicy');
    expect(JSON.stringify(schema)).not.toContain('$ref');
    const policy: any = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', labels: { a: 'b' }, colour: 'red' },
      spec: {
        podSelector: { matchLabels: { app: 'db' }, matchLabel: {} },
        ingress: [
          { from: [{ ipBlock: { cidr: '10.0.0.0/8', expect: [] } }], ports: [{ port: 80, proto: 'TCP' }] },
        ],
        policyType: ['Ingress'],
      },
    };
    expect(pruneAndCollectUnknown(policy, schema)).toEqual([
      'metadata.colour',
      'spec.ingress[0].from[0].ipBlock.expect',
      'spec.ingress[0].ports[0].proto',
      'spec.podSelector.matchLabel',
      'spec.policyType',
    ]);
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 80 }] }],
    });
    const role: any = {
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      aggregationRule: {},
    };
    expect(
      pruneAndCollectUnknown(role, builtinStructuralSchema('rbac.authorization.k8s.io', 'v1', 'Role')),
    ).toEqual(['aggregationRule']);
  });
});
