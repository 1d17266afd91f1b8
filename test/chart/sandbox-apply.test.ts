// The rendered chart applied with kubectl 1.32 to a sandbox, as `helm template | kubectl apply`
// would on a cluster: every object is created (RBAC and NetworkPolicy objects are stored and
// validated, not enforced), its controllers act on it, and applying it again writes nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type KubernetesManifest,
  type RenderedChart,
  renderChart,
  rendererBinary,
} from '../../charts/index.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { eventually } from '../conformance/harness.ts';
import { describeObject } from './workloads.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

const run = promisify(execFile);
const NS = 'homeostat-system';
/**
 * What the sandbox does not serve: the optional ServiceMonitor needs the Prometheus operator's CRD.
 * Anything else the chart renders must be applied.
 */
const KNOWN_UNSERVED = new Set(['monitoring.coreos.com/v1 ServiceMonitor']);

describe('the rendered chart applied to the sandbox with kubectl', () => {
  let sb: Sandbox;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let rendered: RenderedChart;
  let applied: KubernetesManifest[];
  let skipped: KubernetesManifest[];
  let file: string;

  const kubectl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run('kubectl', args, { env, timeout: 60_000, maxBuffer: 64 << 20 });
      return { stdout, stderr, code: 0 };
    } catch (e: any) {
      return { stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? ''), code: e.code ?? 1 };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-chart-apply-'));
    // No kubelets: the images are not mapped to programs yet, and objects are what is checked here.
    [sb, rendered] = await Promise.all([
      startSandbox({ dataDir: dir, processKubelet: false, virtualKubelet: false, prometheus: false }),
      renderChart({ values: { fleet: { enabled: true, replicas: 0 } } }),
    ]);
    env = { ...process.env, KUBECONFIG: sb.kubeconfigPath, HOME: dir };

    // `kubectl api-resources` columns end with APIVERSION NAMESPACED KIND (SHORTNAMES may be empty).
    const served = new Set(
      (await ok('api-resources', '--no-headers'))
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const cols = l.trim().split(/\s+/);
          return `${cols.at(-3)} ${cols.at(-1)}`;
        }),
    );
    const objects = rendered.manifests.map((m) => m.object);
    applied = objects.filter((o) => served.has(`${o.apiVersion} ${o.kind}`));
    skipped = objects.filter((o) => !served.has(`${o.apiVersion} ${o.kind}`));
    file = join(dir, 'chart.yaml');
    writeFileSync(file, applied.map((o) => `---\n${stringify(o)}`).join(''));
  }, 60_000);

  afterAll(async () => {
    await sb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('skips only the kinds the sandbox is known not to serve', () => {
    const skippedKinds = new Set(skipped.map((o) => `${o.apiVersion} ${o.kind}`));
    for (const k of skippedKinds) expect(KNOWN_UNSERVED.has(k), `the sandbox does not serve ${k}`).toBe(true);
    const appliedKinds = new Set(applied.map((o) => o.kind));
    for (const k of [
      'CustomResourceDefinition',
      'Namespace',
      'ServiceAccount',
      'Secret',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'NetworkPolicy',
    ])
      expect(appliedKinds.has(k), k).toBe(true);
  });

  it('creates every object with server-side apply, and re-applying changes nothing', async () => {
    await ok('create', 'namespace', NS);
    const out = await ok('apply', '--server-side', '--field-manager=helm', '-f', file);
    expect(out.trim().split('\n')).toHaveLength(applied.length);
    await ok(
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/resiliencepolicies.homeostat.dev',
      'crd/chaosexperiments.homeostat.dev',
    );

    const snapshot = async () =>
      JSON.parse(await ok('get', '-f', file, '-o', 'json')).items as KubernetesManifest[];
    const live = await snapshot();
    expect(live.map(describeObject).sort()).toEqual(applied.map(describeObject).sort());
    // The controllers write status (deployments, namespaces) for a moment after the first apply:
    // compare against a snapshot taken once nothing moves any more.
    const versions = (objects: KubernetesManifest[]) =>
      objects.map((o) => `${describeObject(o)} ${(o.metadata as any).resourceVersion}`);
    const settled = await eventually(
      async () => {
        const a = await snapshot();
        await new Promise((r) => setTimeout(r, 500));
        const b = await snapshot();
        return JSON.stringify(versions(a)) === JSON.stringify(versions(b)) ? b : undefined;
      },
      30_000,
      'the applied objects to settle',
    );
    // managedFields record seconds: let the clock move on so that a rewritten time would show.
    await new Promise((r) => setTimeout(r, 1100));

    await ok('apply', '--server-side', '--field-manager=helm', '-f', file);
    const again = await snapshot();
    // Nothing was written: same resourceVersions, same objects down to the managedFields times.
    expect(versions(again)).toEqual(versions(settled));
    const byName = new Map(settled.map((o) => [describeObject(o), o]));
    for (const o of again) expect(o, describeObject(o)).toEqual(byName.get(describeObject(o)));
  });

  it('serves the RBAC and NetworkPolicy objects as kubectl users see them', async () => {
    const bindings = await ok(
      'get',
      'clusterrolebindings',
      '-l',
      'app.kubernetes.io/name=homeostat',
      '-o',
      'wide',
    );
    expect(bindings).toMatch(
      /^homeostat-operator\s+ClusterRole\/homeostat-operator\s+\S+\s+homeostat-system:homeostat-operator/m,
    );
    const policies = await ok('get', 'netpol', '-n', NS);
    expect(policies.split('\n')[0]).toMatch(/^NAME\s+POD-SELECTOR\s+AGE$/);
    const deny = JSON.parse(await ok('get', 'netpol', '-n', NS, '-o', 'json')).items.find((p: any) =>
      p.metadata.name.endsWith('default-deny-ingress'),
    );
    expect(deny.spec.policyTypes).toEqual(['Ingress']);
    const roles = await ok('get', 'roles', '-n', NS);
    expect(roles.split('\n')[0]).toMatch(/^NAME\s+CREATED AT$/);
  });

  it('lets the controllers create the operator and dashboard pods from the templates', async () => {
    const pods = async (component: string) =>
      JSON.parse(
        await ok('get', 'pods', '-n', NS, '-l', `app.kubernetes.io/component=${component}`, '-o', 'json'),
      ).items as any[];
    const count = (component: string, n: number) => async () => {
      const found = await pods(component);
      return found.length === n ? found : undefined;
    };
    const operators = await eventually(count('operator', 2), 30_000, 'two operator pods');
    for (const p of operators) {
      expect(p.spec.serviceAccountName).toBe('homeostat-operator');
      expect(p.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(p.spec.containers[0].securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
    }
    await eventually(count('dashboard', 1), 30_000, 'the dashboard pod');
    const pdb = JSON.parse(await ok('get', 'pdb', 'homeostat-operator', '-n', NS, '-o', 'json'));
    expect(pdb.spec.minAvailable).toBe(1);
  });

  it('keeps the dashboard token and the fleet as rendered', async () => {
    const token = await ok(
      'get',
      'secret',
      'homeostat-dashboard-control-token',
      '-n',
      NS,
      '-o',
      'jsonpath={.data.token}',
    );
    const renderedSecret = rendered.manifests.find(
      (m) => m.object.kind === 'Secret' && m.object.metadata.namespace === NS,
    )!;
    expect(token).toBe((renderedSecret.object as any).data.token);
    const fleet = JSON.parse(await ok('get', 'deployments', '-n', 'homeostat-demo', '-o', 'json'))
      .items as any[];
    expect(fleet.map((d) => d.metadata.name).sort()).toEqual([
      'catalog',
      'gateway',
      'notifications',
      'orders',
      'payments',
      'users',
    ]);
    for (const d of fleet) expect(d.spec.replicas).toBe(0);
    const ns = JSON.parse(await ok('get', 'namespace', 'homeostat-demo', '-o', 'json'));
    expect(ns.metadata.annotations['homeostat.dev/chaos-enabled']).toBe('true');
  });
});
