// The Helm chart rendered with its defaults and with the demo fleet: well-formed Kubernetes
// objects, the standard labels, and the operator and dashboard wired the way the programs expect.
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type RenderedChart, renderChart, renderChartNotes, rendererBinary } from '../../charts/index.ts';
import { containersOf, describeObject, podTemplates, unknownFields } from './workloads.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

const ROOT = join(import.meta.dirname, '../..');
const NS = 'homeostat-system';
const FLEET = { fleet: { enabled: true, database: { existingSecret: 'fleet-postgres' } } };

let defaults: RenderedChart;
let withFleet: RenderedChart;
beforeAll(async () => {
  [defaults, withFleet] = await Promise.all([renderChart(), renderChart({ values: FLEET })]);
});

const objects = (r: RenderedChart) => r.manifests.map((m) => m.object);
const get = (r: RenderedChart, kind: string, name: string) => {
  const o = objects(r).find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the rendered chart`);
  return o as any;
};
const fromChart = (r: RenderedChart) =>
  r.manifests.filter((m) => !m.source.includes('/crds/')).map((m) => m.object);

describe.each([
  ['default values', () => defaults],
  ['the fleet enabled', () => withFleet],
])('the chart rendered with %s', (_, rendered) => {
  it('is a list of well-formed, uniquely named Kubernetes objects', () => {
    const all = objects(rendered());
    expect(all.length).toBeGreaterThan(15);
    const ids = new Set<string>();
    for (const o of all) {
      expect(o.apiVersion, describeObject(o)).toMatch(/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/);
      expect(o.kind, describeObject(o)).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(o.metadata.name, describeObject(o)).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      const id = describeObject(o);
      expect(ids.has(id), `${id} appears twice`).toBe(false);
      ids.add(id);
    }
  });

  it('uses only fields that Kubernetes knows for each kind', () => {
    for (const o of objects(rendered())) {
      const unknown = unknownFields(o);
      if (o.kind === 'CustomResourceDefinition') continue; // compared byte for byte with crds/generated
      expect(unknown, `${describeObject(o)}: client-node has no model for it`).toBeDefined();
      expect(unknown, describeObject(o)).toEqual([]);
    }
  });

  it('puts the release objects in the release namespace and labels them', () => {
    for (const o of fromChart(rendered())) {
      const labels = o.metadata.labels ?? {};
      expect(labels, describeObject(o)).toMatchObject({
        'app.kubernetes.io/instance': 'homeostat',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'homeostat-0.1.0',
      });
      if (labels['app.kubernetes.io/part-of'] === 'homeostat-fleet') continue;
      expect(labels, describeObject(o)).toMatchObject({
        'app.kubernetes.io/name': 'homeostat',
        'app.kubernetes.io/version': '0.1.0',
        'app.kubernetes.io/part-of': 'homeostat',
      });
      const clusterScoped = ['ClusterRole', 'ClusterRoleBinding', 'Namespace'].includes(o.kind);
      // The operator's one grant in the fleet's namespace: reading the chaos proxies' token.
      const fleetGrant = o.metadata.name === 'homeostat-operator-chaos-proxy-token';
      expect(o.metadata.namespace, describeObject(o)).toBe(
        clusterScoped ? undefined : fleetGrant ? 'homeostat-demo' : NS,
      );
    }
  });

  it("selects each workload's pods with labels its pod template carries", () => {
    for (const o of objects(rendered()).filter((x) => x.kind === 'Deployment') as any[]) {
      for (const [k, v] of Object.entries(o.spec.selector.matchLabels))
        expect(o.spec.template.metadata.labels[k], `${describeObject(o)} selector ${k}`).toBe(v);
    }
  });
});

describe('the operator', () => {
  it('runs two replicas that elect a leader on a Lease in the release namespace', () => {
    const d = get(defaults, 'Deployment', 'homeostat-operator');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const [c] = d.spec.template.spec.containers;
    expect(c.image).toBe('homeostat/homeostat:0.1.0');
    expect(c.args.slice(0, 2)).toEqual(['operator', 'run']);
    expect(c.args).toEqual(
      expect.arrayContaining([
        '--namespace=$(POD_NAMESPACE)',
        '--identity=$(POD_NAME)',
        '--leader-elect',
        '--lease-name=homeostat-operator',
        '--lease-duration=15s',
        '--renew-deadline=10s',
        '--retry-period=2s',
        '--metrics-port=8080',
        '--health-port=8081',
      ]),
    );
    // $(VAR) in args only expands variables the container declares.
    const env = new Map(c.env.map((e: any) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    expect(env.get('POD_NAMESPACE')).toBe('metadata.namespace');
    expect(env.get('POD_NAME')).toBe('metadata.name');
    expect(env.get('POD_IP')).toBe('status.podIP');
    const role = get(defaults, 'Role', 'homeostat-operator-leader-election');
    expect(role.metadata.namespace).toBe(NS);
    expect(role.rules.find((r: any) => r.resourceNames)?.resourceNames).toEqual([
      'homeostat-operator',
      'homeostat-chaos',
    ]);
  });

  it('runs the chaos engine beside the operator, on its own Lease and health port, and leaves it out when disabled', async () => {
    const containers = get(defaults, 'Deployment', 'homeostat-operator').spec.template.spec.containers;
    const chaos = containers.find((c: any) => c.name === 'chaos-engine');
    expect(chaos.args.slice(0, 2)).toEqual(['chaos', 'engine']);
    expect(chaos.args).toContain('--health-port=8082');
    expect(chaos.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'chaos-health' });
    const off = await renderChart({ set: ['chaos.enabled=false'], includeCrds: false });
    const only = get(off, 'Deployment', 'homeostat-operator').spec.template.spec.containers;
    expect(only.map((c: any) => c.name)).toEqual(['operator']);
    expect(
      get(off, 'Role', 'homeostat-operator-leader-election').rules.find((r: any) => r.resourceNames)
        ?.resourceNames,
    ).toEqual(['homeostat-operator']);
  });

  it('probes liveness and readiness on the health port and serves metrics through a Service', () => {
    const c = get(defaults, 'Deployment', 'homeostat-operator').spec.template.spec.containers[0];
    const ports = Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]));
    expect(ports).toEqual({ metrics: 8080, health: 8081 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toEqual(expect.any(String));
    const svc = get(defaults, 'Service', 'homeostat-operator-metrics');
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(
      get(defaults, 'Deployment', 'homeostat-operator').spec.selector.matchLabels,
    );
  });

  it('keeps one replica through voluntary disruptions', () => {
    const pdb = get(defaults, 'PodDisruptionBudget', 'homeostat-operator');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('operator');
  });

  it('passes the Prometheus URL and watched namespaces when given', async () => {
    const r = await renderChart({
      set: [
        'operator.prometheusUrl=http://prometheus.monitoring:9090',
        'operator.watchNamespaces={shop,payments}',
      ],
      includeCrds: false,
    });
    const args = get(r, 'Deployment', 'homeostat-operator').spec.template.spec.containers[0].args;
    expect(args).toContain('--prometheus-url=http://prometheus.monitoring:9090');
    expect(args).toContain('--watch-namespaces=shop,payments');
    expect(
      get(defaults, 'Deployment', 'homeostat-operator').spec.template.spec.containers[0].args,
    ).not.toContainEqual(expect.stringMatching(/^--prometheus-url/));
  });
});

describe('the dashboard', () => {
  const tokenEnv = (r: RenderedChart) =>
    get(r, 'Deployment', 'homeostat-dashboard').spec.template.spec.containers[0].env.find(
      (e: any) => e.name === 'HOMEOSTAT_DASHBOARD_TOKEN',
    ).valueFrom.secretKeyRef;

  it('serves on its port behind a Service, with a generated control token from a Secret', () => {
    const c = get(defaults, 'Deployment', 'homeostat-dashboard').spec.template.spec.containers[0];
    expect(c.args).toEqual(expect.arrayContaining(['dashboard', 'serve', '--port=8090']));
    expect(c.args.join(' ')).not.toMatch(/token/i);
    expect(get(defaults, 'Service', 'homeostat-dashboard').spec.ports[0]).toMatchObject({
      port: 8090,
      targetPort: 'http',
    });
    expect(tokenEnv(defaults)).toEqual({ name: 'homeostat-dashboard-control-token', key: 'token' });
    const token = Buffer.from(
      get(defaults, 'Secret', 'homeostat-dashboard-control-token').data.token,
      'base64',
    ).toString();
    expect(token).toMatch(/^[A-Za-z0-9]{48}$/);
  });

  it('uses a given token, or a Secret the user manages', async () => {
    const given = 'x'.repeat(40);
    const r = await renderChart({
      values: { dashboard: { controlToken: { value: given } } },
      includeCrds: false,
    });
    expect(
      Buffer.from(get(r, 'Secret', 'homeostat-dashboard-control-token').data.token, 'base64').toString(),
    ).toBe(given);
    const own = await renderChart({
      set: ['dashboard.controlToken.existingSecret=my-token', 'dashboard.controlToken.existingSecretKey=t'],
      includeCrds: false,
    });
    expect(objects(own).filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(tokenEnv(own)).toEqual({ name: 'my-token', key: 't' });
  });

  it('can be left out entirely', async () => {
    const r = await renderChart({ set: ['dashboard.enabled=false'], includeCrds: false });
    expect(objects(r).filter((o) => describeObject(o).includes('dashboard'))).toEqual([]);
  });
});

describe('the fleet', () => {
  const fleetObjects = () =>
    objects(withFleet).filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'homeostat-fleet');

  it('is absent by default and renders the six services from sample-services/manifests', () => {
    expect(
      objects(defaults).some((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'homeostat-fleet'),
    ).toBe(false);
    const deployments = fleetObjects().filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      ['catalog', 'gateway', 'notifications', 'orders', 'payments', 'users'].sort(),
    );
    for (const o of fleetObjects()) {
      if (o.kind === 'Namespace') expect(o.metadata.name).toBe('homeostat-demo');
      else expect(o.metadata.namespace, describeObject(o)).toBe('homeostat-demo');
    }
  });

  it('takes images from the repository and tag values and the database URL from a Secret', async () => {
    const r = await renderChart({
      values: FLEET,
      set: ['fleet.image.repository=registry.example.com/shop', 'fleet.image.tag=1.4.2', 'fleet.replicas=3'],
      includeCrds: false,
    });
    const deployments = objects(r).filter(
      (o) => o.kind === 'Deployment' && o.metadata.namespace === 'homeostat-demo',
    );
    expect(deployments).toHaveLength(6);
    for (const d of deployments as any[]) {
      expect(d.spec.replicas).toBe(3);
      const [c] = d.spec.template.spec.containers;
      expect(c.image).toBe(`registry.example.com/shop/${d.metadata.name}:1.4.2`);
      expect(c.env).toContainEqual({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'fleet-postgres', key: 'url' } },
      });
      expect(c.env).toContainEqual({ name: 'DATA_DIR', value: '/data' });
    }
  });

  it('keeps each service as sample-services/manifests declares it, bar image, store and security', async () => {
    const r = await renderChart({ set: ['fleet.enabled=true'], includeCrds: false });
    const source = readdirSync(join(ROOT, 'sample-services/manifests'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, 'sample-services/manifests', f), 'utf8')))
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'Deployment');
    expect(source).toHaveLength(6);
    for (const want of source) {
      const got = get(r, 'Deployment', want.metadata.name);
      expect(got.spec.replicas).toBe(want.spec.replicas);
      expect(got.spec.selector).toEqual(want.spec.selector);
      expect(got.spec.template.metadata).toEqual(want.spec.template.metadata);
      const [c] = got.spec.template.spec.containers;
      const [w] = want.spec.template.spec.containers;
      for (const k of ['ports', 'readinessProbe', 'livenessProbe', 'startupProbe', 'resources'])
        expect(c[k], `${want.metadata.name} ${k}`).toEqual(w[k]);
      expect(c.env).toEqual([
        ...w.env.filter((e: any) => e.name !== 'DATA_DIR'),
        { name: 'DATA_DIR', value: '/data' },
      ]);
    }
  });

  it('never ships the demo credentials and opts its namespace in to chaos and restricted pod security', () => {
    const secret = get(withFleet, 'Secret', 'fleet-secrets');
    expect(secret.stringData).toBeUndefined();
    expect(Object.keys(secret.data).sort()).toEqual(['admin-password', 'admin-token', 'jwt-secret']);
    for (const v of Object.values(secret.data) as string[])
      expect(Buffer.from(v, 'base64').toString()).not.toMatch(/homeostat-demo/);
    const ns = get(withFleet, 'Namespace', 'homeostat-demo');
    expect(ns.metadata.annotations['homeostat.dev/chaos-enabled']).toBe('true');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('points the services at a Secret the user manages', async () => {
    const r = await renderChart({
      values: FLEET,
      set: ['fleet.secrets.existingSecret=shop-secrets'],
      includeCrds: false,
    });
    // Only the chaos proxies' token is still the chart's own.
    expect(
      objects(r)
        .filter((o) => o.kind === 'Secret' && o.metadata.namespace === 'homeostat-demo')
        .map((o) => o.metadata.name),
    ).toEqual(['chaos-proxy-token']);
    const refs = podTemplates(objects(r))
      .flatMap((t) => containersOf(t.spec))
      .flatMap((c) => c.env ?? [])
      .map((e: any) => e.valueFrom?.secretKeyRef?.name)
      .filter(Boolean);
    expect(new Set(refs)).toEqual(
      new Set(['shop-secrets', 'fleet-postgres', 'chaos-proxy-token', 'homeostat-dashboard-control-token']),
    );
  });
});

describe('NOTES.txt', () => {
  it('tells how to reach the dashboard and label the namespace for pod security', async () => {
    const notes = await renderChartNotes();
    expect(notes).toContain('kubectl -n homeostat-system port-forward svc/homeostat-dashboard 8090');
    expect(notes).toContain('pod-security.kubernetes.io/enforce=restricted');
  });
});
