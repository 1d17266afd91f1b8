// Bad values stop the render before any template runs, with every offending field named; what the
// schema cannot express (relations between values) fails in the templates with a clear message.
import { beforeAll, describe, expect, it } from 'vitest';
import { ChartRenderError, ChartValuesError, renderChart, rendererBinary } from '../../charts/index.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

async function issuesOf(opts: Parameters<typeof renderChart>[0]) {
  try {
    await renderChart({ ...opts, includeCrds: false });
  } catch (e) {
    if (e instanceof ChartValuesError) return e;
    throw e;
  }
  throw new Error('the render succeeded');
}

describe('values.schema.json', () => {
  it.each([
    [['operator.replicas=two'], 'operator.replicas', 'must be integer, got string "two"'],
    [['operator.replicas=0'], 'operator.replicas', 'must be >= 1'],
    [['operator.replica=2'], 'operator.replica', 'unknown field; known fields here: replicas,'],
    [['operator.metricsPort=70000'], 'operator.metricsPort', 'must be <= 65535'],
    [
      ['operator.leaderElection.leaseDuration=15 seconds'],
      'operator.leaderElection.leaseDuration',
      'A duration such as',
    ],
    [['operator.logLevel=verbose'], 'operator.logLevel', 'must be one of "trace", "debug", "info"'],
    [['image.pullPolicy=Sometimes'], 'image.pullPolicy', 'must be one of "Always", "IfNotPresent", "Never"'],
    [['image.repository=Not A Repo'], 'image.repository', 'An image repository'],
    [['operator.resources.limits.memory=lots'], 'operator.resources.limits.memory', 'A Kubernetes quantity'],
    [['operator.extraArgs[0]=1'], 'operator.extraArgs[0]', 'must be string, got number 1'],
    [['fleet.replicas=-1'], 'fleet.replicas', 'must be >= 0'],
    [['fleet.namespace=Demo_NS'], 'fleet.namespace', 'Lowercase letters, digits and -'],
    [
      ['networkPolicy.metrics.namespaceSelector.matchLabel.a=b'],
      'networkPolicy.metrics.namespaceSelector.matchLabel',
      'unknown field',
    ],
    [['podSecurity.runAsUser=0'], 'podSecurity.runAsUser', 'must be >= 1'],
    [['rbac=null'], 'rbac', 'is required'],
  ])('--set %j is refused at %s', async (set, field, message) => {
    const e = await issuesOf({ set });
    expect(e.issues).toContainEqual({ field, message: expect.stringContaining(message) });
    expect(e.message).toContain(`- ${field}: `);
  });

  it('reports every problem at once', async () => {
    const e = await issuesOf({ set: ['operator.workers=0', 'dashboard.port=http', 'typo=1'] });
    expect(e.issues.map((i) => i.field).sort()).toEqual(['dashboard.port', 'operator.workers', 'typo']);
  });

  it('checks values files and in-memory values as well as --set', async () => {
    const e = await issuesOf({ values: { dashboard: { service: { type: 'Ingress' } } } });
    expect(e.issues).toEqual([
      { field: 'dashboard.service.type', message: expect.stringContaining('"ClusterIP"') },
    ]);
  });

  it('never repeats a secret value in its complaint', async () => {
    const secret = 'too-short-secret';
    for (const set of [[`dashboard.controlToken.value=${secret}`], [`fleet.secrets.jwtSecret=${secret}`]]) {
      const e = await issuesOf({ set });
      expect(e.issues).toHaveLength(1);
      expect(e.message).toMatch(/At least 32 characters/);
      expect(e.message).not.toContain(secret);
    }
  });
});

describe('rules between values', () => {
  it.each([
    [['operator.leaderElection.enabled=false'], 'operator.leaderElection.enabled is false'],
    [
      ['operator.metricsPort=9000', 'operator.healthPort=9000'],
      'operator.metricsPort and operator.healthPort must differ',
    ],
    [
      ['operator.podDisruptionBudget.minAvailable=2'],
      'operator.podDisruptionBudget.minAvailable (2) must be below operator.replicas (2)',
    ],
    [['serviceAccount.create=false'], 'serviceAccount.name is required when serviceAccount.create is false'],
    [
      ['metrics.service.enabled=false', 'metrics.serviceMonitor.enabled=true'],
      'metrics.serviceMonitor.enabled needs metrics.service.enabled',
    ],
  ])('--set %j fails with a message that says why', async (set, message) => {
    const failure = renderChart({ set, includeCrds: false });
    await expect(failure).rejects.toThrow(ChartRenderError);
    await expect(failure).rejects.toThrow(message);
  });

  it('allows one replica without leader election', async () => {
    const r = await renderChart({
      set: ['operator.replicas=1', 'operator.leaderElection.enabled=false'],
      includeCrds: false,
    });
    const d = r.manifests.find(
      (m) => m.object.kind === 'Deployment' && m.object.metadata.name === 'homeostat-operator',
    );
    expect((d!.object as any).spec.template.spec.containers[0].args).toContain('--no-leader-elect');
    expect(
      r.manifests.some(
        (m) =>
          m.object.kind === 'PodDisruptionBudget' ||
          (m.object.kind === 'Role' && m.object.metadata.name === 'homeostat-operator-leader-election'),
      ),
    ).toBe(false);
    // The halt (and the predictor's models) stay readable without leader election.
    expect(
      r.manifests.some(
        (m) => m.object.kind === 'Role' && m.object.metadata.name === 'homeostat-operator-config',
      ),
    ).toBe(true);
  });
});
