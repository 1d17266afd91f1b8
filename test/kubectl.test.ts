// kubectl 1.32, driven as a user would, against a running sandbox: tables, describe, apply with
// default (server-side) validation, scale, rollout status and undo, wait, and get --watch.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
