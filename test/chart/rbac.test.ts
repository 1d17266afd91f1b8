// The chart's RBAC is least privilege: no wildcards, no Secrets (bar reading the chaos proxies'
// token), exactly the verbs the operator's actions need, and the Lease only in the release namespace.
import { beforeAll, describe, expect, it } from 'vitest';
import { type KubernetesManifest, renderChart, rendererBinary } from '../../charts/index.ts';
import { describeObject } from './workloads.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

let objects: KubernetesManifest[];
beforeAll(async () => {
  objects = (await renderChart({ values: { fleet: { enabled: true } }, includeCrds: false })).manifests.map(
    (m) => m.object,
  );
});

const roles = () =>
  objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as (KubernetesManifest & {
    rules: Rule[];
  })[];
const role = (kind: string, name: string) =>
  roles().find((r) => r.kind === kind && r.metadata.name === name)!;

/** "group/resource verb" for every permission a role grants, sorted. */
const grants = (rules: Rule[]) =>
  rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) =>
          r.verbs.map(
            (v) => `${g || 'core'}/${res} ${v}${r.resourceNames ? ` [${r.resourceNames.join(',')}]` : ''}`,
          ),
        ),
      ),
    )
    .sort();

const CHAOS_PROXY_TOKEN_ROLE = 'homeostat-operator-chaos-proxy-token';

const perm = (group: string, resources: string[], verbs: string[]) =>
  resources.flatMap((r) => verbs.map((v) => `${group}/${r} ${v}`));

describe('RBAC', () => {
  it('has no wildcard, no non-resource URL and no access to Secrets anywhere else', () => {
    expect(roles().length).toBeGreaterThanOrEqual(5);
    for (const r of roles().filter((x) => x.metadata.name !== CHAOS_PROXY_TOKEN_ROLE)) {
      for (const rule of r.rules) {
        const where = `${describeObject(r)} ${JSON.stringify(rule)}`;
        for (const list of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames ?? []])
          expect(
            list.some((x) => x.includes('*')),
            where,
          ).toBe(false);
        expect(rule.nonResourceURLs, where).toBeUndefined();
        expect(
          rule.resources.filter((x) =>
            /^secrets|^serviceaccounts\/token|^roles|^clusterroles|bindings$/.test(x),
          ),
          where,
        ).toEqual([]);
        expect(
          rule.verbs.filter((v) => ['escalate', 'bind', 'impersonate'].includes(v)),
          where,
        ).toEqual([]);
      }
    }
  });

  it("lets the operator read only the chaos proxies' token, only in the fleet's namespace", () => {
    const token = role('Role', CHAOS_PROXY_TOKEN_ROLE);
    expect(token.metadata.namespace).toBe('homeostat-demo');
    expect(grants(token.rules)).toEqual(['core/secrets get [chaos-proxy-token]']);
    const binding = objects.find(
      (o) => o.kind === 'RoleBinding' && o.metadata.name === CHAOS_PROXY_TOKEN_ROLE,
    ) as any;
    expect(binding.metadata.namespace).toBe('homeostat-demo');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: CHAOS_PROXY_TOKEN_ROLE,
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'homeostat-operator', namespace: 'homeostat-system' },
    ]);
  });

  it('grants the operator exactly what its actions need, cluster-wide', () => {
    expect(grants(role('ClusterRole', 'homeostat-operator').rules)).toEqual(
      [
        ...perm(
          'homeostat.dev',
          ['resiliencepolicies', 'chaosexperiments'],
          ['get', 'list', 'watch', 'patch', 'update'],
        ),
        ...perm(
          'homeostat.dev',
          ['resiliencepolicies/status', 'chaosexperiments/status'],
          ['get', 'patch', 'update'],
        ),
        ...perm('apps', ['deployments'], ['get', 'list', 'watch', 'patch']),
        ...perm('apps', ['deployments/scale'], ['get', 'patch', 'update']),
        ...perm('apps', ['replicasets'], ['get', 'list', 'watch']),
        ...perm('core', ['pods'], ['get', 'list', 'watch', 'delete', 'patch']),
        ...perm('core', ['pods/eviction'], ['create']),
        ...perm('core', ['namespaces'], ['get', 'list', 'watch']),
        ...perm('policy', ['poddisruptionbudgets'], ['get', 'list', 'watch']),
        ...perm('core', ['events'], ['create', 'patch']),
        ...perm('events.k8s.io', ['events'], ['create', 'patch']),
      ].sort(),
    );
  });

  it('lets the operator and chaos engine hold only their own Leases, and read the halt and keep models in ConfigMaps, only in the release namespace', () => {
    const lease = role('Role', 'homeostat-operator-leader-election');
    expect(lease.metadata.namespace).toBe('homeostat-system');
    expect(grants(role('Role', 'homeostat-operator-config').rules)).toEqual(
      perm('core', ['configmaps'], ['get', 'list', 'watch', 'create', 'update', 'patch']).sort(),
    );
    expect(role('Role', 'homeostat-operator-config').metadata.namespace).toBe('homeostat-system');
    expect(grants(lease.rules)).toEqual(
      [
        'coordination.k8s.io/leases create',
        'coordination.k8s.io/leases get [homeostat-operator,homeostat-chaos]',
        'coordination.k8s.io/leases patch [homeostat-operator,homeostat-chaos]',
        'coordination.k8s.io/leases update [homeostat-operator,homeostat-chaos]',
      ].sort(),
    );
    for (const r of roles().filter((x) => x.kind === 'ClusterRole'))
      expect(
        r.rules.some((rule) => rule.resources.includes('leases')),
        describeObject(r),
      ).toBe(false);
  });

  it('gives the dashboard read access, patches on the custom resources, experiments to start, and the halt ConfigMap only', () => {
    const writes = grants(role('ClusterRole', 'homeostat-dashboard').rules).filter(
      (g) => !/ (get|list|watch)$/.test(g),
    );
    expect(writes).toEqual(
      [
        ...perm('homeostat.dev', ['resiliencepolicies', 'chaosexperiments'], ['patch']),
        ...perm('homeostat.dev', ['chaosexperiments'], ['create']),
      ].sort(),
    );
    const halt = role('Role', 'homeostat-dashboard-halt');
    expect(halt.metadata.namespace).toBe('homeostat-system');
    expect(grants(halt.rules)).toEqual(
      [
        'core/configmaps create',
        ...['get', 'list', 'watch', 'update', 'patch'].map((v) => `core/configmaps ${v} [homeostat-halt]`),
      ].sort(),
    );
  });

  it('binds each role to a ServiceAccount the chart creates, in the release namespace', () => {
    const accounts = new Set(
      objects
        .filter((o) => o.kind === 'ServiceAccount')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    );
    const bindings = objects.filter((o) => o.kind.endsWith('Binding')) as any[];
    // Operator (cluster, leader election, ConfigMaps), dashboard (cluster and halt), and the chaos proxies' token.
    expect(bindings).toHaveLength(6);
    for (const b of bindings) {
      const target = role(b.roleRef.kind, b.roleRef.name);
      expect(target, `${describeObject(b)} refers to ${b.roleRef.kind} ${b.roleRef.name}`).toBeDefined();
      if (b.kind === 'RoleBinding') expect(target.metadata.namespace).toBe(b.metadata.namespace);
      for (const s of b.subjects) {
        expect(s.kind).toBe('ServiceAccount');
        expect(
          accounts.has(`${s.namespace}/${s.name}`),
          `${describeObject(b)} → ${s.namespace}/${s.name}`,
        ).toBe(true);
      }
    }
  });

  it('renders no RBAC when told not to', async () => {
    const r = await renderChart({ set: ['rbac.create=false'], includeCrds: false });
    expect(r.manifests.filter((m) => m.object.apiVersion.startsWith('rbac.authorization.k8s.io'))).toEqual(
      [],
    );
  });
});
