// Decision Events against a real sandbox API server: created on the policy (and the Deployment for
// Applied actions), aggregated by patching count and lastTimestamp, limited per object, and shown by
// kubectl 1.32's `describe`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, type CoreV1Event, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { crdManifests } from '../../crds/index.ts';
import { KubeClient } from '../../kube/index.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../kube/testing/sandbox.ts';
import { engineDecision, silentLogger } from './fixtures.ts';
import {
  DECISION_ID_ANNOTATION,
  DecisionEventRecorder,
  eventMessage,
  REPORTING_CONTROLLER,
} from './kube-events.ts';
import type { LoggedDecision } from './schemas.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const NS = 'shop';

describe('DecisionEventRecorder against the sandbox', () => {
  let t: TestSandbox;
  let client: KubeClient;
  let core: CoreV1Api;
  let home: string;
  const uids: Record<string, string> = {};

  async function createPolicyAndDeployment(name: string): Promise<{ policy: string; target: string }> {
    const example = parseYaml(readFileSync(join(root, 'crds/examples/orders-policy.yaml'), 'utf8'));
    example.metadata = { name, namespace: NS };
    example.spec.targetRef.name = name;
    const custom = client.api(CustomObjectsApi);
    const policy = (await eventually(
      () =>
        custom.createNamespacedCustomObject({
          group: 'homeostat.dev',
          version: 'v1alpha1',
          namespace: NS,
          plural: 'resiliencepolicies',
          body: example,
        }),
      'the ResiliencePolicy CRD to be served',
    )) as { metadata: { uid: string } };
    const labels = { app: name };
    const deploy = await client.api(AppsV1Api).createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name, namespace: NS },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: 'homeostat/echo:v1' }] },
          },
        },
      },
    });
    return { policy: policy.metadata.uid, target: deploy.metadata!.uid! };
  }

  async function eventsOf(kind: string, name: string): Promise<CoreV1Event[]> {
    const list = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    });
    // Ours only: the sandbox's deployment controller writes Events on Deployments too.
    return list.items
      .filter((e) => e.reportingComponent === REPORTING_CONTROLLER)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  function forPolicy(name: string, v: Partial<LoggedDecision> = {}): LoggedDecision {
    return { ...engineDecision({ namespace: NS, name }), ...v };
  }

  beforeAll(async () => {
    t = await startTestSandbox();
    home = mkdtempSync(join(tmpdir(), 'homeostat-kubectl-home-'));
    client = new KubeClient(t.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
    core = client.api(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const crd = crdManifests().find((c) => c.spec.names.kind === 'ResiliencePolicy');
    // Raw: the generated model would drop x-kubernetes-* keys it spells differently.
    await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
    Object.assign(uids, await createPolicyAndDeployment('orders'));
  });

  afterAll(async () => {
    client?.close();
    await t?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('records an Applied decision on the policy and on the Deployment, and aggregates repeats', async () => {
    const recorder = new DecisionEventRecorder({
      client,
      reportingInstance: 'homeostat-operator-7c9-x',
      logger: silentLogger(),
    });
    const objects = { policy: { uid: uids.policy }, target: { uid: uids.target } };
    const first = forPolicy('orders', { id: 'first' });
    recorder.emit(first, objects);
    await recorder.flush();

    const [onPolicy] = await eventsOf('ResiliencePolicy', 'orders');
    expect(onPolicy).toMatchObject({
      type: 'Normal',
      reason: 'LoadAboveCapacity',
      message: eventMessage(first),
      action: 'ScaleUp',
      count: 1,
      reportingComponent: REPORTING_CONTROLLER,
      reportingInstance: 'homeostat-operator-7c9-x',
      involvedObject: { apiVersion: 'homeostat.dev/v1alpha1', kind: 'ResiliencePolicy', uid: uids.policy },
      related: { kind: 'Deployment', name: 'orders', uid: uids.target },
      metadata: { annotations: { [DECISION_ID_ANNOTATION]: 'first' } },
    });
    expect(onPolicy.message).toMatch(/^ScaleUp: Scale from 4 to 8 replicas/);
    const [onTarget] = await eventsOf('Deployment', 'orders');
    expect(onTarget).toMatchObject({
      reason: 'LoadAboveCapacity',
      count: 1,
      involvedObject: { uid: uids.target },
    });

    // The same reason and message again, within ten minutes: the count goes up, no new Event.
    recorder.emit(forPolicy('orders', { id: 'second' }), objects);
    recorder.emit(forPolicy('orders', { id: 'third' }), objects);
    await recorder.flush();
    const policyEvents = await eventsOf('ResiliencePolicy', 'orders');
    expect(policyEvents).toHaveLength(1);
    expect(policyEvents[0]).toMatchObject({
      metadata: { name: onPolicy.metadata?.name, annotations: { [DECISION_ID_ANNOTATION]: 'third' } },
      count: 3,
    });
    expect(new Date(policyEvents[0].lastTimestamp!).getTime()).toBeGreaterThanOrEqual(
      new Date(onPolicy.firstTimestamp!).getTime(),
    );
    expect((await eventsOf('Deployment', 'orders'))[0].count).toBe(3);
    expect(recorder.stats()).toMatchObject({ created: 2, aggregated: 4, failed: 0 });

    // A blocked decision: a Warning, on the policy only.
    recorder.emit(
      forPolicy('orders', {
        id: 'blocked',
        action: 'Restart',
        outcome: 'Blocked',
        reason: 'NotReady',
        message: 'Restart pod orders-7d9f-2. Blocked by Cooldown: the last Restart was 20 s ago.',
      }),
      objects,
    );
    await recorder.flush();
    const warning = (await eventsOf('ResiliencePolicy', 'orders')).find((e) => e.reason === 'NotReady');
    expect(warning).toMatchObject({
      type: 'Warning',
      count: 1,
      message: expect.stringMatching(/^Restart \(Blocked\): /),
    });
    expect((await eventsOf('Deployment', 'orders')).some((e) => e.reason === 'NotReady')).toBe(false);

    // What an SRE sees.
    const { stdout } = await run('kubectl', ['describe', 'resiliencepolicy', 'orders', '-n', NS], {
      env: { ...process.env, KUBECONFIG: t.sandbox.kubeconfigPath, HOME: home },
      timeout: 60_000,
    });
    const events = stdout.slice(stdout.indexOf('Events:'));
    expect(events).toMatch(
      /Normal\s+LoadAboveCapacity\s+.*\(x3 over .*\)\s+homeostat\.dev\/operator\s+ScaleUp: Scale from 4/,
    );
    expect(events).toMatch(/Warning\s+NotReady\s+.*homeostat\.dev\/operator\s+Restart \(Blocked\)/);
  });

  it('starts a new Event after the aggregation window, or when the old one is gone', async () => {
    const names = await createPolicyAndDeployment('catalog');
    let now = Date.now();
    const recorder = new DecisionEventRecorder({ client, logger: silentLogger(), now: () => now });
    const objects = { policy: { uid: names.policy }, target: { uid: names.target } };
    const dry = (id: string) => forPolicy('catalog', { id, outcome: 'DryRun', mode: 'DryRun' });
    recorder.emit(dry('a'), objects);
    await recorder.flush();
    now += 11 * 60_000;
    recorder.emit(dry('b'), objects);
    await recorder.flush();
    let events = await eventsOf('ResiliencePolicy', 'catalog');
    expect(events.map((e) => e.count)).toEqual([1, 1]);
    expect(events[0].message).toMatch(/^ScaleUp \(DryRun\): /);
    // DryRun changes nothing, so the Deployment gets no Event.
    expect(await eventsOf('Deployment', 'catalog')).toEqual([]);

    await core.deleteNamespacedEvent({ namespace: NS, name: events[1].metadata!.name! });
    recorder.emit(dry('c'), objects);
    await recorder.flush();
    events = await eventsOf('ResiliencePolicy', 'catalog');
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.count === 1)).toBe(true);
    expect(recorder.stats()).toMatchObject({ created: 3, aggregated: 0, failed: 0 });
  });

  it('limits events per object with a token bucket, and looks up a uid it was not given', async () => {
    const names = await createPolicyAndDeployment('payments');
    const recorder = new DecisionEventRecorder({
      client,
      logger: silentLogger(),
      spamBurst: 2,
      spamQps: 1e-6,
    });
    for (let i = 0; i < 5; i++)
      recorder.emit(
        forPolicy('payments', {
          id: `p${i}`,
          outcome: 'Skipped',
          reason: 'NothingToRelease',
          message: `Pod payments-${i} is already back.`,
        }),
      );
    await recorder.flush();
    const events = await eventsOf('ResiliencePolicy', 'payments');
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.involvedObject.uid === names.policy)).toBe(true);
    expect(recorder.stats()).toMatchObject({ created: 2, spamDropped: 3, failed: 0 });
  });

  it('never throws when the API refuses an Event', async () => {
    const recorder = new DecisionEventRecorder({ client, logger: silentLogger() });
    recorder.emit(forPolicy('missing-policy', { id: 'm', outcome: 'Skipped' }));
    await recorder.flush();
    expect(recorder.stats()).toMatchObject({ created: 0, failed: 1 });
  });
});
