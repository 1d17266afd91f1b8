// The fleet's chaos proxy as the chart places it: a native sidecar in front of every service that
// the Services send to, under the restricted pod security profile, with a generated admin token the
// operator alone may read, and an admin port only the operator and Prometheus reach.
import { Buffer } from 'node:buffer';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChartValuesError,
  type KubernetesManifest,
  type RenderedChart,
  renderChart,
  rendererBinary,
} from '../../charts/index.ts';
import { podTemplates } from './workloads.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

const FLEET_NS = 'homeostat-demo';
const SERVICES = ['catalog', 'gateway', 'notifications', 'orders', 'payments', 'users'];

const objects = (r: RenderedChart) => r.manifests.map((m) => m.object) as any[];
const fleet = (r: RenderedChart, kind: string) =>
  objects(r).filter((o) => o.kind === kind && o.metadata.namespace === FLEET_NS);
const named = (r: RenderedChart, kind: string, name: string) =>
  objects(r).find((o) => o.kind === kind && o.metadata.name === name);
const sidecarOf = (deployment: any) =>
  (deployment.spec.template.spec.initContainers ?? []).find((c: any) => c.name === 'chaos-proxy');
const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const selects = (selector: any, labels: Record<string, string> = {}) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

let on: RenderedChart;
beforeAll(async () => {
  on = await renderChart({ values: { fleet: { enabled: true } }, includeCrds: false });
});

describe('the chaos proxy sidecar in the chart', () => {
  it('runs in front of every fleet service, and every Service sends to it', () => {
    const deployments = fleet(on, 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(SERVICES);
    for (const d of deployments) {
      const name = d.metadata.name;
      const proxy = sidecarOf(d);
      expect(proxy, name).toMatchObject({
        image: 'homeostat/chaos-proxy:dev',
        restartPolicy: 'Always',
        imagePullPolicy: 'IfNotPresent',
      });
      const port = (n: string) => proxy.ports.find((p: any) => p.name === n)?.containerPort;
      expect(port('chaos-admin'), name).toBe(15090);
      const [app] = d.spec.template.spec.containers;
      const env = envOf(proxy);
      expect(env.CHAOS_PROXY_UPSTREAM_PORT).toBe(
        String(app.ports.find((p: any) => p.name === 'http').containerPort),
      );
      expect(env.CHAOS_PROXY_ADMIN_TOKEN).toEqual({
        secretKeyRef: { name: 'chaos-proxy-token', key: 'token' },
      });
      expect(env.CHAOS_PROXY_MAX_TTL_MS).toBe('3600000');
      // The app's probes decide whether the pod serves; the proxy's own probe only adds itself.
      expect(app.readinessProbe.httpGet.port).toBe('http');
      expect(proxy.readinessProbe.httpGet.port).toBe('chaos-admin');

      const service = fleet(on, 'Service').find((s) => s.metadata.name === name);
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: port('chaos-proxy') }]);
    }
  });

  it('meets the restricted profile: non-root, read-only root, no escalation, no capabilities', () => {
    for (const d of fleet(on, 'Deployment')) {
      const proxy = sidecarOf(d);
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(proxy.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(proxy.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(proxy.resources.limits.memory).toBeDefined();
    }
  });

  it('generates the admin token unless one is given, and never ships the demo token', async () => {
    const token = (r: RenderedChart) =>
      Buffer.from(named(r, 'Secret', 'chaos-proxy-token').data.token, 'base64').toString();
    const secret = named(on, 'Secret', 'chaos-proxy-token');
    expect(secret.metadata.namespace).toBe(FLEET_NS);
    expect(secret.stringData).toBeUndefined();
    expect(token(on)).toMatch(/^[A-Za-z0-9]{48}$/);
    const given = 'a-chaos-proxy-token-of-my-own';
    const r = await renderChart({
      values: { fleet: { enabled: true, chaosProxy: { adminToken: given } } },
      includeCrds: false,
    });
    expect(token(r)).toBe(given);
  });

  it('takes its image, deadline cap and resources from the values', async () => {
    const r = await renderChart({
      values: {
        fleet: {
          enabled: true,
          image: { repository: 'registry.example.com/shop', tag: '1.4.2' },
          chaosProxy: {
            maxTtlMs: 600_000,
            resources: { requests: { cpu: '5m', memory: '32Mi' }, limits: { memory: '64Mi' } },
          },
        },
      },
      includeCrds: false,
    });
    for (const d of fleet(r, 'Deployment')) {
      const proxy = sidecarOf(d);
      expect(proxy.image).toBe('registry.example.com/shop/chaos-proxy:1.4.2');
      expect(envOf(proxy).CHAOS_PROXY_MAX_TTL_MS).toBe('600000');
      expect(proxy.env.filter((e: any) => e.name === 'CHAOS_PROXY_MAX_TTL_MS')).toHaveLength(1);
      expect(proxy.resources).toEqual({
        requests: { cpu: '5m', memory: '32Mi' },
        limits: { memory: '64Mi' },
      });
    }
    const pinned = await renderChart({
      values: { fleet: { enabled: true, chaosProxy: { image: 'mirror.example.com/chaos-proxy:0.3.0' } } },
      includeCrds: false,
    });
    for (const d of fleet(pinned, 'Deployment'))
      expect(sidecarOf(d).image).toBe('mirror.example.com/chaos-proxy:0.3.0');
  });

  it('refuses a short admin token with the field named', async () => {
    const refused = await renderChart({
      set: ['fleet.enabled=true', 'fleet.chaosProxy.adminToken=short'],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ChartValuesError);
    expect((refused as ChartValuesError).issues.map((i) => i.field)).toEqual(['fleet.chaosProxy.adminToken']);
  });

  it('lets only the operator and Prometheus reach the admin port, and leaves the services open', () => {
    const policy = named(on, 'NetworkPolicy', 'chaos-proxy-admin');
    expect(policy.metadata.namespace).toBe(FLEET_NS);
    for (const t of podTemplates(fleet(on, 'Deployment') as KubernetesManifest[]))
      expect(selects(policy.spec.podSelector, t.metadata.labels), t.owner).toBe(true);
    const [open, admin] = policy.spec.ingress;
    expect(open.from).toBeUndefined();
    expect(open.ports).toEqual([
      { port: 'http', protocol: 'TCP' },
      { port: 15080, protocol: 'TCP' },
    ]);
    expect(admin.ports).toEqual([{ port: 15090, protocol: 'TCP' }]);
    const operatorPod = podTemplates(objects(on)).find((t) => t.owner.endsWith('homeostat-operator'))!;
    expect(admin.from).toHaveLength(2);
    expect(admin.from[0].namespaceSelector).toEqual({
      matchLabels: { 'kubernetes.io/metadata.name': 'homeostat-system' },
    });
    expect(selects(admin.from[0].podSelector, operatorPod.metadata.labels)).toBe(true);
    expect(admin.from[1]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    });
  });

  it('is scraped through a PodMonitor on chaos-admin when the Prometheus Operator is in use', async () => {
    expect(named(on, 'PodMonitor', 'chaos-proxy')).toBeUndefined();
    const r = await renderChart({
      set: ['fleet.enabled=true', 'metrics.serviceMonitor.enabled=true'],
      includeCrds: false,
    });
    const monitor = named(r, 'PodMonitor', 'chaos-proxy');
    expect(monitor.metadata.namespace).toBe(FLEET_NS);
    expect(monitor.spec.podMetricsEndpoints).toEqual([
      { port: 'chaos-admin', path: '/metrics', interval: '30s' },
    ]);
    for (const t of podTemplates(fleet(r, 'Deployment') as KubernetesManifest[]))
      expect(selects(monitor.spec.selector, t.metadata.labels), t.owner).toBe(true);
  });

  it('can be turned off: no sidecar, Services send to the apps, no token, policy or grant', async () => {
    const off = await renderChart({
      values: { fleet: { enabled: true, chaosProxy: { enabled: false } } },
      includeCrds: false,
    });
    for (const d of fleet(off, 'Deployment')) expect(d.spec.template.spec.initContainers).toBeUndefined();
    for (const s of fleet(off, 'Service')) expect(s.spec.ports[0].targetPort).toBe('http');
    expect(named(off, 'Secret', 'chaos-proxy-token')).toBeUndefined();
    expect(named(off, 'NetworkPolicy', 'chaos-proxy-admin')).toBeUndefined();
    expect(named(off, 'Role', 'homeostat-operator-chaos-proxy-token')).toBeUndefined();
    const noPolicies = await renderChart({
      set: ['fleet.enabled=true', 'networkPolicy.enabled=false'],
      includeCrds: false,
    });
    expect(objects(noPolicies).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });
});
