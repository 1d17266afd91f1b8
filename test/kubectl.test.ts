// kubectl 1.32, driven as a user would, against a running sandbox: tables, describe, apply with
// default (server-side) validation, imperative RBAC objects, explain, scale, rollout status and
// undo, wait, and get --watch.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { eventually } from './conformance/harness.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

describe('kubectl against the sandbox', () => {
  let sb: Sandbox;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const kubectl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run('kubectl', args, { env, timeout: 60_000 });
      return { stdout, stderr, code: 0 };
    } catch (e: any) {
      return { stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? ''), code: e.code ?? 1 };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
    expect(r.stderr).not.toMatch(/error|warning/i);
    return r.stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-kubectl-'));
    sb = await startSandbox({ dataDir: dir, processKubelet: true, virtualKubelet: true });
    // A HOME of its own keeps kubectl's discovery cache out of the user's.
    env = { ...process.env, KUBECONFIG: sb.kubeconfigPath, HOME: dir };
    await eventually(
      async () => (await kubectl('get', 'nodes')).stdout.includes('Ready'),
      20_000,
      'nodes to be Ready',
    );
  }, 60_000);

  afterAll(async () => {
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints server-side tables for built-in kinds', async () => {
    const out = await ok('get', 'namespaces');
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    expect(out).toMatch(/^default\s+Active\s+\d+s$/m);
    const nodes = await ok('get', 'nodes', '-o', 'wide');
    expect(nodes).toMatch(/^sandbox\s+Ready/m);
  });

  it('applies the CRDs and every example with default validation, and prints their columns', async () => {
    await ok('apply', '-f', join(root, 'crds/generated'));
    await ok(
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/resiliencepolicies.homeostat.dev',
      'crd/chaosexperiments.homeostat.dev',
    );
    const examples = readdirSync(join(root, 'crds/examples')).filter((f) => f.endsWith('.yaml'));
    expect(examples.length).toBeGreaterThan(0);
    for (const f of examples) await ok('apply', '-f', join(root, 'crds/examples', f));
    const pol = await ok('get', 'resiliencepolicies');
    expect(pol.split('\n')[0]).toMatch(/^NAME\s+/);
    expect(pol.split('\n').length).toBeGreaterThan(2);
    expect(await ok('get', 'homeostat')).toContain('chaosexperiment');
    // Re-applying unchanged manifests changes nothing.
    expect(await ok('apply', '-f', join(root, 'crds/examples', examples[0]!))).toMatch(/unchanged/);
  });

  it('refuses a custom resource with an unknown field, naming it', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: homeostat.dev/v1alpha1',
        'kind: ResiliencePolicy',
        'metadata: {name: typo}',
        'spec:',
        '  targetRef: {name: orders}',
        '  modee: Enforce',
        '',
      ].join('\n'),
    );
    const r = await kubectl('apply', '-f', file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.modee"');
  });

  it('scales a deployment, waits for its pods, rolls out a change and undoes it', async () => {
    const file = join(dir, 'web.yaml');
    const manifest = (image: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  replicas: 2',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec:',
        '      containers:',
        `      - {name: web, image: "${image}", ports: [{containerPort: 8080}], readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}}`,
        '',
      ].join('\n');
    writeFileSync(file, manifest('homeostat/echo:v1'));
    await ok('apply', '-f', file);
    await ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    await ok('wait', '--for=condition=Ready', 'pod', '-l', 'app=web', '--timeout=60s');
    const pods = await ok('get', 'pods', '-l', 'app=web');
    expect(pods.split('\n').filter((l) => /\s2?1\/1\s+Running\s/.test(l))).toHaveLength(2);

    expect(await ok('scale', 'deployment/web', '--replicas=3')).toContain('scaled');
    await ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(await ok('get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}')).toBe('3');

    writeFileSync(file, manifest('homeostat/echo:v2').replace('replicas: 2', 'replicas: 3'));
    await ok('apply', '-f', file);
    await ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(
      await ok('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toBe('homeostat/echo:v2');
    expect(await ok('rollout', 'history', 'deployment/web')).toMatch(/^2\s/m);

    await ok('rollout', 'undo', 'deployment/web');
    await ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(
      await ok('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toBe('homeostat/echo:v1');

    const described = await ok('describe', 'deployment', 'web');
    expect(described).toMatch(
      /Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable/,
    );
    expect(described).toMatch(/ScalingReplicaSet/);
    const pod = (await ok('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    const podDesc = await ok('describe', 'pod', pod);
    expect(podDesc).toMatch(/Status:\s+Running/);
    expect(podDesc).toMatch(/Ready\s+True/);
  }, 180_000);

  it('creates roles and bindings imperatively and prints RBAC and NetworkPolicy tables', async () => {
    await ok('create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods,deployments.apps');
    await ok(
      'create',
      'rolebinding',
      'pod-readers',
      '--role=pod-reader',
      '--user=alice',
      '--serviceaccount=default:robot',
    );
    await ok('create', 'clusterrole', 'metrics-reader', '--verb=get', '--non-resource-url=/metrics');
    await ok(
      'create',
      'clusterrolebinding',
      'metrics-readers',
      '--clusterrole=metrics-reader',
      '--group=prometheus',
    );
    const file = join(dir, 'netpol.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: NetworkPolicy',
        'metadata: {name: db}',
        'spec:',
        '  podSelector: {matchLabels: {app: db}}',
        '  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]',
        '',
      ].join('\n'),
    );
    expect(await ok('apply', '-f', file)).toMatch(/networkpolicy.networking.k8s.io\/db created/);

    const out = await ok('get', 'clusterroles,rolebindings,netpol');
    expect(out).toMatch(/^NAME\s+CREATED AT$/m);
    expect(out).toMatch(/^clusterrole.rbac.authorization.k8s.io\/metrics-reader\s+\d{4}-\d\d-\d\dT/m);
    expect(out).toMatch(/^NAME\s+ROLE\s+AGE$/m);
    expect(out).toMatch(/^rolebinding.rbac.authorization.k8s.io\/pod-readers\s+Role\/pod-reader\s+\d+s$/m);
    expect(out).toMatch(/^NAME\s+POD-SELECTOR\s+AGE$/m);
    expect(out).toMatch(/^networkpolicy.networking.k8s.io\/db\s+app=db\s+\d+s$/m);
    const wide = await ok('get', 'clusterrolebinding', 'metrics-readers', '-o', 'wide');
    expect(wide).toMatch(/^metrics-readers\s+ClusterRole\/metrics-reader\s+\d+s\s+prometheus\s*$/m);
    expect(await ok('get', 'rolebinding', 'pod-readers', '-o', 'wide')).toMatch(/alice\s+default:robot/);
    expect(await ok('describe', 'role', 'pod-reader')).toMatch(
      /deployments.apps\s+\[\]\s+\[\]\s+\[get list watch\]/,
    );

    // Defaults as kube sets them, and no write when nothing changes.
    const policy = JSON.parse(await ok('get', 'netpol', 'db', '-o', 'json'));
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    await ok('apply', '--server-side', '--force-conflicts', '-f', file);
    const rv = await ok('get', 'netpol', 'db', '-o', 'jsonpath={.metadata.resourceVersion}');
    await ok('apply', '--server-side', '-f', file);
    expect(await ok('get', 'netpol', 'db', '-o', 'jsonpath={.metadata.resourceVersion}')).toBe(rv);

    const explained = await ok('explain', 'networkpolicy.spec.ingress.ports');
    expect(explained).toMatch(/FIELD: ports <\[\]NetworkPolicyPort>/);
    expect(explained).toMatch(/endPort\s+<integer>/);

    // Validation names the field; the binding's role cannot be swapped.
    const badFile = join(dir, 'bad-role.yaml');
    writeFileSync(
      badFile,
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: Role',
        'metadata: {name: bad}',
        'rules: [{apiGroups: [""], resources: [pods], verb: [get]}]',
        '',
      ].join('\n'),
    );
    const typo = await kubectl('apply', '-f', badFile);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('unknown field "rules[0].verb"');
    writeFileSync(badFile, readFileSync(badFile, 'utf8').replace('verb: [get]', 'verbs: []'));
    const empty = await kubectl('apply', '-f', badFile);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('rules[0].verbs: Required value: verbs must contain at least one value');
    const swap = await kubectl(
      'patch',
      'rolebinding',
      'pod-readers',
      '--type=merge',
      '-p',
      '{"roleRef":{"name":"other"}}',
    );
    expect(swap.code).not.toBe(0);
    expect(swap.stderr).toContain('roleRef: Invalid value');
    expect(swap.stderr).toContain('cannot change roleRef');

    await ok('delete', 'clusterrolebinding', 'metrics-readers');
    await ok('delete', 'clusterrole', 'metrics-reader');
    await ok('delete', 'rolebinding', 'pod-readers');
    await ok('delete', 'role', 'pod-reader');
    await ok('delete', '-f', file);
  });

  it('streams changes with get --watch', async () => {
    const child = spawn('kubectl', ['get', 'configmaps', '--watch', '--output-watch-events'], { env });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    try {
      await ok('create', 'configmap', 'watched', '--from-literal=a=1');
      await eventually(() => /ADDED\s+watched/.test(out), 15_000, 'the ADDED line');
      await ok('delete', 'configmap', 'watched');
      await eventually(() => /DELETED\s+watched/.test(out), 15_000, 'the DELETED line');
    } finally {
      child.kill();
    }
  });

  it('deletes what it applied', async () => {
    await ok('delete', 'deployment', 'web', '--wait=true', '--timeout=60s');
    await eventually(
      async () => (await ok('get', 'pods', '-l', 'app=web', '-o', 'name')).trim() === '',
      30_000,
      'the pods to go',
    );
    const r = await kubectl('get', 'deployment', 'web');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('NotFound');
  });
});
