import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../errors.ts';
import { rbacStrategies } from './rbac.ts';

const GROUP = 'rbac.authorization.k8s.io';
const strategy = (plural: string) => rbacStrategies[`${GROUP}/${plural}`]!;
const fields = (causes: StatusCause[] | undefined) => (causes ?? []).map((c) => `${c.field}: ${c.message}`);

describe('Role and ClusterRole validation', () => {
  it('accepts resource rules and, for cluster roles, non-resource URLs', () => {
    const rules = [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['patch'] },
    ];
    expect(strategy('roles').validate!({ rules })).toEqual([]);
    expect(
      strategy('clusterroles').validate!({
        rules: [...rules, { nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      }),
    ).toEqual([]);
    expect(strategy('roles').validate!({})).toEqual([]);
  });

  it('names each rule field that is missing or contradictory, with kube’s messages', () => {
    expect(fields(strategy('roles').validate!({ rules: [{ verbs: [] }] }))).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
    expect(
      fields(
        strategy('roles').validate!({
          rules: [{ nonResourceURLs: ['/healthz'], resources: ['pods'], verbs: ['get'] }],
        }),
      ),
    ).toEqual([
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs',
    ]);
    expect(fields(strategy('roles').validate!({ rules: [{ verbs: 'get' }] }))).toEqual([
      'rules[0].verbs: Invalid value: "get": must be a list of strings',
    ]);
  });

  it('requires selectors in an aggregation rule and validates them', () => {
    expect(fields(strategy('clusterroles').validate!({ aggregationRule: {} }))).toEqual([
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
    const causes = strategy('clusterroles').validate!({
      aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Is' }] }] },
    });
    expect(causes.map((c) => c.field)).toEqual([
      'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator',
    ]);
  });
});

describe('RoleBinding and ClusterRoleBinding', () => {
  it('defaults roleRef.apiGroup and the API group of user and group subjects', () => {
    const b: any = {
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'robot', apiGroup: '' },
      ],
    };
    strategy('rolebindings').defaults!(b);
    expect(b).toEqual({
      roleRef: { apiGroup: GROUP, kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'alice', apiGroup: GROUP },
        { kind: 'Group', name: 'devs', apiGroup: GROUP },
        { kind: 'ServiceAccount', name: 'robot' },
      ],
    });
    expect(strategy('rolebindings').validate!(b)).toEqual([]);
  });

  it('answers a missing roleRef as kube does: an unsupported empty kind and a required name', () => {
    const b: any = { subjects: [{ kind: 'User', name: 'bob' }] };
    strategy('rolebindings').defaults!(b);
    expect(fields(strategy('rolebindings').validate!(b))).toEqual([
      'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
    ]);
  });

  it('lets cluster role bindings refer only to cluster roles and needs service account namespaces', () => {
    const b: any = {
      roleRef: { apiGroup: GROUP, kind: 'Role', name: 'a/b' },
      subjects: [
        { kind: 'ServiceAccount', name: 'Robot' },
        { kind: 'User', name: 'x', apiGroup: 'example.com' },
        { kind: 'Team', name: 'y' },
        { kind: 'Group' },
      ],
    };
    expect(fields(strategy('clusterrolebindings').validate!(b))).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'roleRef.name: Invalid value: "a/b": may not contain \'/\'',
      expect.stringMatching(/^subjects\[0\]\.name: Invalid value: "Robot": a lowercase RFC 1123 subdomain/),
      'subjects[0].namespace: Required value',
      'subjects[1].apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      'subjects[2].kind: Unsupported value: "Team": supported values: "ServiceAccount", "User", "Group"',
      'subjects[3].name: Required value',
      'subjects[3].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
    ]);
  });

  it('keeps roleRef immutable, printing the new value as kube does', () => {
    const old = { roleRef: { apiGroup: GROUP, kind: 'Role', name: 'a' } };
    expect(strategy('rolebindings').validateUpdate!(structuredClone(old), old)).toEqual([]);
    const next = { roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: 'view' } };
    expect(fields(strategy('clusterrolebindings').validateUpdate!(next, old))).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]);
  });
});
