// Every pod the chart can render meets the "restricted" Pod Security Standard and runs with
// resources, probes and no more API access than it needs: a property over the value space.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KubernetesManifest, renderChart, rendererBinary } from '../../charts/index.ts';
import { containersOf, podTemplates } from './workloads.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

/** The restricted profile's checks (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
function restrictedViolations(objects: KubernetesManifest[]): string[] {
  const out: string[] = [];
  const templates = podTemplates(objects);
  if (templates.length === 0) out.push('no workloads rendered');
  for (const { owner, spec } of templates) {
    const bad = (what: string) => out.push(`${owner}: ${what}`);
    const pod = spec.securityContext ?? {};
    if (pod.runAsNonRoot !== true) bad('pod securityContext.runAsNonRoot is not true');
    if (!(pod.runAsUser > 0)) bad('pod securityContext.runAsUser is not a non-root uid');
    if (pod.seccompProfile?.type !== 'RuntimeDefault') bad('pod seccompProfile is not RuntimeDefault');
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC', 'hostUsers'])
      if (spec[host] === true) bad(`${host} is true`);
    if (typeof spec.automountServiceAccountToken !== 'boolean')
      bad('automountServiceAccountToken is not set explicitly');
    for (const v of spec.volumes ?? []) if (v.hostPath) bad(`volume ${v.name} is a hostPath`);
    for (const c of containersOf(spec)) {
      const sc = c.securityContext ?? {};
      const where = `container ${c.name}`;
      if (sc.allowPrivilegeEscalation !== false) bad(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) bad(`${where}: readOnlyRootFilesystem is not true`);
      if (sc.privileged === true) bad(`${where}: privileged`);
      if (!sc.capabilities?.drop?.includes('ALL')) bad(`${where}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) bad(`${where}: adds capabilities`);
      if (sc.runAsUser === 0) bad(`${where}: runs as root`);
      if (sc.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault') bad(`${where}: seccompProfile`);
      // A read-only root needs somewhere to write temporary files.
      if (!(c.volumeMounts ?? []).some((m: any) => m.mountPath === '/tmp')) bad(`${where}: no writable /tmp`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory)
        bad(`${where}: no cpu/memory requests`);
      if (!c.resources?.limits?.memory) bad(`${where}: no memory limit`);
      if (!c.livenessProbe || !c.readinessProbe) bad(`${where}: missing a liveness or readiness probe`);
      if (!/:[\w][\w.-]*$|@sha256:/.test(c.image) || /:latest$/.test(c.image))
        bad(`${where}: image ${c.image} is not pinned`);
    }
  }
  return out;
}

/** Values that change what is rendered: replicas, optional parts, volumes, users. */
const chartValues = fc
  .record({
    replicas: fc.integer({ min: 1, max: 4 }),
    singleWithoutElection: fc.boolean(),
    dashboard: fc.boolean(),
    dashboardReplicas: fc.integer({ min: 0, max: 3 }),
    fleet: fc.boolean(),
    fleetReplicas: fc.option(fc.integer({ min: 0, max: 3 })),
    database: fc.boolean(),
    claim: fc.boolean(),
    uid: fc.integer({ min: 1, max: 65_535 }),
    networkPolicy: fc.boolean(),
    extraEnv: fc.boolean(),
  })
  .map((v) => ({
    podSecurity: { runAsUser: v.uid, runAsGroup: v.uid, fsGroup: v.uid },
    operator: {
      replicas: v.replicas,
      leaderElection: { enabled: !(v.replicas === 1 && v.singleWithoutElection) },
      decisionLog: { existingClaim: v.claim ? 'decisions' : '' },
      extraEnv: v.extraEnv ? [{ name: 'KUBECONFIG', value: '/etc/kube/config' }] : [],
    },
    dashboard: { enabled: v.dashboard, replicas: v.dashboardReplicas },
    networkPolicy: { enabled: v.networkPolicy },
    fleet: {
      enabled: v.fleet,
      replicas: v.fleetReplicas,
      database: { existingSecret: v.database ? 'fleet-postgres' : '' },
    },
  }));

describe('pod security', () => {
  it('holds for every pod template with the default values and with the fleet', async () => {
    for (const values of [{}, { fleet: { enabled: true } }]) {
      const r = await renderChart({ values, includeCrds: false });
      expect(restrictedViolations(r.manifests.map((m) => m.object))).toEqual([]);
    }
  });

  it('holds for every pod template over the value space', async () => {
    await fc.assert(
      fc.asyncProperty(chartValues, async (values) => {
        const r = await renderChart({ values, includeCrds: false });
        expect(restrictedViolations(r.manifests.map((m) => m.object))).toEqual([]);
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it('finds the violations it looks for (the check is not vacuous)', () => {
    const pod: KubernetesManifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        containers: [
          { name: 'c', image: 'x:latest', securityContext: { capabilities: { add: ['NET_ADMIN'] } } },
        ],
      },
    };
    const found = restrictedViolations([pod]).join('\n');
    for (const expected of [
      'runAsNonRoot',
      'hostNetwork',
      'automountServiceAccountToken',
      'allowPrivilegeEscalation',
      'readOnlyRootFilesystem',
      'drop ALL',
      'adds capabilities',
      'writable /tmp',
      'requests',
      'probe',
      'not pinned',
    ])
      expect(found).toContain(expected);
  });

  it('gives API credentials only to the pods that talk to the API', async () => {
    const r = await renderChart({ values: { fleet: { enabled: true } }, includeCrds: false });
    const objects = r.manifests.map((m) => m.object);
    const withToken = podTemplates(objects)
      .filter((t) => t.spec.automountServiceAccountToken === true)
      .map((t) => t.owner);
    expect(withToken.sort()).toEqual([
      'Deployment homeostat-system/homeostat-dashboard',
      'Deployment homeostat-system/homeostat-operator',
    ]);
    for (const sa of objects.filter((o) => o.kind === 'ServiceAccount'))
      expect((sa as any).automountServiceAccountToken, sa.metadata.name).toBe(false);
  });
});
