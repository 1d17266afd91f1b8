import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from './resources.ts';
import { toTable } from './tables.ts';

const registry = new ResourceRegistry();
const table = (group: string, plural: string, obj: unknown) =>
  toTable(registry.get(group, 'v1', plural)!, [obj], {}, 'None') as {
    columnDefinitions: { name: string; priority: number }[];
    rows: { cells: unknown[] }[];
  };

describe('tables of RBAC and NetworkPolicy objects, as kube prints them', () => {
  const created = new Date(Date.now() - 90_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const metadata = { name: 'x', creationTimestamp: created };

  it('prints roles with their creation time', () => {
    const t = table('rbac.authorization.k8s.io', 'clusterroles', { metadata });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(t.rows[0]!.cells).toEqual(['x', created]);
  });

  it('prints bindings with their role, and subjects by kind in the wide columns', () => {
    const t = table('rbac.authorization.k8s.io', 'rolebindings', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'ServiceAccount', name: 'robot', namespace: 'ops' },
      ],
    });
    expect(t.columnDefinitions.map((c) => `${c.name}/${c.priority}`)).toEqual([
      'Name/0',
      'Role/0',
      'Age/0',
      'Users/1',
      'Groups/1',
      'ServiceAccounts/1',
    ]);
    expect(t.rows[0]!.cells).toEqual([
      'x',
      'ClusterRole/view',
      expect.stringMatching(/^9[01]s$/),
      'alice, bob',
      '',
      'ops:robot',
    ]);
  });

  it('prints network policies with their pod selector, <none> for all pods', () => {
    const t = table('networking.k8s.io', 'networkpolicies', {
      metadata,
      spec: { podSelector: { matchLabels: { app: 'db' } } },
    });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Pod-Selector', 'Age']);
    expect(t.rows[0]!.cells).toEqual(['x', 'app=db', expect.stringMatching(/^9[01]s$/)]);
    expect(
      table('networking.k8s.io', 'networkpolicies', { metadata, spec: { podSelector: {} } }).rows[0]!
        .cells[1],
    ).toBe('<none>');
  });
});
