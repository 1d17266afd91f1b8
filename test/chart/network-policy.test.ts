// Ingress to the release's pods is denied by default; only Prometheus' namespaces reach the
// metrics port, and the dashboard port is open to the peers the values name.
import { beforeAll, describe, expect, it } from 'vitest';
import { type KubernetesManifest, renderChart, rendererBinary } from '../../charts/index.ts';
import { podTemplates } from './workloads.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

const policies = (objects: KubernetesManifest[]) =>
  objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
const selects = (selector: any, labels: Record<string, string> = {}) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

describe('NetworkPolicy', () => {
  it('denies all ingress to every pod of the release, then opens the metrics and dashboard ports', async () => {
    const objects = (await renderChart({ includeCrds: false })).manifests.map((m) => m.object);
    const all = policies(objects);
    const deny = all.find((p) => p.metadata.name === 'homeostat-default-deny-ingress');
    expect(deny.spec.policyTypes).toEqual(['Ingress']);
    expect(deny.spec.ingress).toBeUndefined();
    const pods = podTemplates(objects);
    expect(pods).toHaveLength(2);
    for (const t of pods) expect(selects(deny.spec.podSelector, t.metadata.labels), t.owner).toBe(true);

    // Every opening is a single port; nothing else lets traffic in.
    const openings = all.flatMap((p) =>
      (p.spec.ingress ?? []).map((rule: any) => ({ policy: p.metadata.name, rule })),
    );
    expect(openings.map((o) => [o.policy, o.rule.ports])).toEqual([
      ['homeostat-operator-metrics', [{ port: 'metrics', protocol: 'TCP' }]],
      ['homeostat-dashboard', [{ port: 'http', protocol: 'TCP' }]],
    ]);
    expect(openings[0]!.rule.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    const operatorPod = pods.find((t) => t.owner.endsWith('homeostat-operator'))!;
    const metricsPolicy = all.find((p) => p.metadata.name === 'homeostat-operator-metrics');
    expect(selects(metricsPolicy.spec.podSelector, operatorPod.metadata.labels)).toBe(true);
    expect(operatorPod.spec.containers[0].ports.map((p: any) => p.name)).toContain('metrics');
  });

  it('narrows the dashboard to the given peers and can be turned off', async () => {
    const peers = [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ];
    const r = await renderChart({
      values: { networkPolicy: { dashboard: { from: peers } } },
      includeCrds: false,
    });
    const dashboard = policies(r.manifests.map((m) => m.object)).find(
      (p) => p.metadata.name === 'homeostat-dashboard',
    );
    expect(dashboard.spec.ingress[0].from).toEqual(peers);
    const off = await renderChart({ set: ['networkPolicy.enabled=false'], includeCrds: false });
    expect(policies(off.manifests.map((m) => m.object))).toEqual([]);
  });
});
