// The process kubelet against the real sandbox API server: pods become real processes with their
// own addresses, probes, restarts, back-off, graceful deletion, logs, metrics and http_sd.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kubelet, startKubelet } from './index.ts';
import { toMillis } from './k8s-time.ts';
import {
  isReady,
  pidOf,
  processAlive,
  readPod,
  startTestCluster,
  type TestCluster,
  waitFor,
} from './test-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// Crash-loop back-off keeps the kubelet's 10 s; configuration errors retry quickly in tests.
const fastRetries = { heartbeatIntervalMs: 1000, imagePullBackOff: { initialMs: 300, maxMs: 1000 } };

function echoPod(
  name: string,
  extra: Partial<NonNullable<V1Pod['spec']>['containers'][number]> = {},
  spec: Partial<NonNullable<V1Pod['spec']>> = {},
): V1Pod {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      nodeName: 'sandbox',
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'echo',
          image: 'homeostat/echo:latest',
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
          ...extra,
        },
      ],
      ...spec,
    },
  };
}

describe('process kubelet', () => {
  let cluster: TestCluster;
  let kubelet: Kubelet;
  let kubeletDataDir: string;
  const ns = 'default';

  beforeAll(async () => {
    cluster = await startTestCluster();
    kubeletDataDir = join(cluster.dataDir, 'kubelet');
    // A service that exists before the pods start, for service-link variables.
    await cluster.core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'orders-api' },
        spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    });
    kubelet = await startKubelet(cluster.kc, { dataDir: kubeletDataDir, logger, ...fastRetries });
  });

  afterAll(async () => {
    await kubelet?.stop();
    await cluster?.close();
  });

  const waitPod = (name: string, what: string, check: (p: V1Pod) => boolean, timeoutMs = 20_000) =>
    waitFor(
      `${name}: ${what}`,
      async () => {
        const p = await readPod(cluster.core, ns, name);
        return p && check(p) ? p : undefined;
      },
      timeoutMs,
    );

  it('registers a Ready node with capacity, its kubelet endpoint and a renewed lease', async () => {
    const node = await cluster.core.readNode({ name: 'sandbox' });
    expect(node.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': 'sandbox',
      'kubernetes.io/os': 'linux',
    });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(Number(node.status?.capacity?.cpu)).toBeGreaterThan(0);
    expect(node.status?.allocatable?.memory).toMatch(/^\d+Ki$/);
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(`http://127.0.0.1:${node.status?.daemonEndpoints?.kubeletEndpoint?.Port}`).toBe(kubelet.url);
    expect(node.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\.\d+/);
    const coordination = cluster.kc.makeApiClient(CoordinationV1Api);
    const first = await coordination.readNamespacedLease({ name: 'sandbox', namespace: 'kube-node-lease' });
    expect(first.spec?.holderIdentity).toBe('sandbox');
    await waitFor(
      'lease renewal',
      async () => {
        const lease = await coordination.readNamespacedLease({
          name: 'sandbox',
          namespace: 'kube-node-lease',
        });
        return toMillis(lease.spec?.renewTime)! > toMillis(first.spec?.renewTime)!;
      },
      5000,
    );
    expect((await fetch(`${kubelet.url}/healthz`)).status).toBe(200);
  });

  it('runs an echo pod on its own address: Running, Ready, reachable, with the expected env', async () => {
    await cluster.core.createNamespacedPod({ namespace: ns, body: echoPod('web') });
    const pod = await waitPod('web', 'Ready', isReady);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^127\.10\.\d+\.\d+$/);
    expect(pod.status?.podIPs).toEqual([{ ip: pod.status?.podIP }]);
    expect(pod.status?.hostIP).toBe('127.0.0.1');
    expect(pod.status?.qosClass).toBe('BestEffort');
    const status = pod.status!.containerStatuses![0];
    expect(status).toMatchObject({
      name: 'echo',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'homeostat/echo:latest',
    });
    expect(status.containerID).toMatch(/^process:\/\/\d+$/);
    expect(status.imageID).toMatch(/^homeostat\/echo@sha256:/);
    expect(status.state?.running?.startedAt).toBeInstanceOf(Date);
    expect(pod.status?.conditions?.map((c) => c.type)).toEqual(
      expect.arrayContaining([
        'PodScheduled',
        'Initialized',
        'ContainersReady',
        'Ready',
        'PodReadyToStartContainers',
      ]),
    );

    const env = (await (await fetch(`http://${pod.status!.podIP}:8080/env`)).json()) as Record<
      string,
      string
    >;
    const service = await cluster.core.readNamespacedService({ name: 'orders-api', namespace: ns });
    expect(env).toMatchObject({
      POD_IP: pod.status!.podIP,
      HOST: pod.status!.podIP,
      PORT: '8080',
      HOSTNAME: 'web',
      ORDERS_API_SERVICE_HOST: service.spec!.clusterIP,
      ORDERS_API_SERVICE_PORT: '80',
      ORDERS_API_SERVICE_PORT_HTTP: '80',
      ORDERS_API_PORT: `tcp://${service.spec!.clusterIP}:80`,
    });
    expect(env.NODE_OPTIONS).toBeUndefined();

    const events = await cluster.core
      .listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=web' })
      .catch(() => undefined);
    if (events)
      expect(events.items.map((e) => e.reason)).toEqual(
        expect.arrayContaining(['Pulled', 'Created', 'Started']),
      );
  });

  it('serves container logs, cAdvisor and resource metrics, and http_sd targets for the pod', async () => {
    const pod = (await readPod(cluster.core, ns, 'web'))!;
    await fetch(`http://${pod.status!.podIP}:8080/hello`);
    const logs = await (await fetch(`${kubelet.url}/containerLogs/${ns}/web/echo?tailLines=5`)).text();
    expect(logs).toContain(`echo listening on ${pod.status!.podIP}:8080`);
    // The same log through the API server, which proxies pods/log to the kubelet endpoint.
    const viaApi = await cluster.core.readNamespacedPodLog({
      name: 'web',
      namespace: ns,
      container: 'echo',
      tailLines: 1,
    });
    expect(viaApi).toBe(`echo listening on ${pod.status!.podIP}:8080\n`);

    const cadvisor = await (await fetch(`${kubelet.url}/metrics/cadvisor`)).text();
    const cpu = cadvisor
      .split('\n')
      .find((l) => l.startsWith('container_cpu_usage_seconds_total{') && l.includes('pod="web"'));
    expect(cpu).toContain('container="echo"');
    expect(cpu).toContain('namespace="default"');
    expect(cpu).toContain('node="sandbox"');
    expect(Number(cpu!.split(' ').at(-1))).toBeGreaterThan(0);
    const memory = cadvisor
      .split('\n')
      .find((l) => l.startsWith('container_memory_working_set_bytes{') && l.includes('pod="web"'));
    expect(Number(memory!.split(' ').at(-1))).toBeGreaterThan(1_000_000);
    const resource = await (await fetch(`${kubelet.url}/metrics/resource`)).text();
    expect(resource).toMatch(/^pod_memory_working_set_bytes\{namespace="default",pod="web"\} \d+ \d+$/m);
    expect(resource).toMatch(/^node_cpu_usage_seconds_total [\d.e+]+ \d+$/m);
    const own = await (await fetch(`${kubelet.url}/metrics`)).text();
    expect(own).toMatch(/^kubelet_running_pods \d+$/m);
    expect(own).toMatch(/^kubelet_started_containers_total\{container_type="container"\} \d+$/m);
    const probes = await (await fetch(`${kubelet.url}/metrics/probes`)).text();
    expect(probes).toMatch(
      /^prober_probe_total\{probe_type="Readiness",result="successful",container="echo",pod="web",.*\} \d+$/m,
    );

    const groups = (await (await fetch(`${kubelet.url}/http_sd/pods`)).json()) as Array<{
      targets: string[];
      labels: Record<string, string>;
    }>;
    const target = groups.find((g) => g.labels.__meta_kubernetes_pod_name === 'web');
    expect(target).toMatchObject({
      targets: [`${pod.status!.podIP}:8080`],
      labels: {
        __meta_kubernetes_namespace: 'default',
        __meta_kubernetes_pod_ready: 'true',
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_label_app: 'web',
        __meta_kubernetes_pod_container_port_name: 'http',
        __meta_kubernetes_pod_node_name: 'sandbox',
      },
    });
  });

  it('flips Ready with the readiness probe', async () => {
    const pod = (await readPod(cluster.core, ns, 'web'))!;
    await fetch(`http://${pod.status!.podIP}:8080/unready`, { method: 'POST' });
    await waitPod('web', 'not Ready', (p) => !isReady(p), 10_000);
    await fetch(`http://${pod.status!.podIP}:8080/ready`, { method: 'POST' });
    await waitPod('web', 'Ready again', isReady, 10_000);
  });

  it('restarts a container whose process died, keeping its address', async () => {
    const before = (await readPod(cluster.core, ns, 'web'))!;
    const pid = pidOf(before, 'echo')!;
    process.kill(pid, 'SIGKILL');
    const after = await waitPod(
      'web',
      'restarted and Ready',
      (p) => p.status?.containerStatuses?.[0].restartCount === 1 && isReady(p),
    );
    const status = after.status!.containerStatuses![0];
    expect(status.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(pidOf(after, 'echo')).not.toBe(pid);
    expect(after.status?.podIP).toBe(before.status?.podIP);
    const previous = await (await fetch(`${kubelet.url}/containerLogs/${ns}/web/echo?previous=true`)).text();
    expect(previous).toContain('echo listening');
  });

  it('restarts a container that fails its liveness probe', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: echoPod('live', {
        startupProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 30 },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
      }),
    });
    const pod = await waitPod('live', 'Ready', isReady);
    await fetch(`http://${pod.status!.podIP}:8080/fail-health`, { method: 'POST' });
    const restarted = await waitPod(
      'live',
      'restarted by liveness',
      (p) => (p.status?.containerStatuses?.[0].restartCount ?? 0) >= 1,
    );
    const last = restarted.status!.containerStatuses![0].lastState!.terminated!;
    // The echo server exits 0 on SIGTERM.
    expect(last.exitCode).toBe(0);
    expect(last.message).toBe('Container echo failed liveness probe, will be restarted');
    await waitPod('live', 'Ready after restart', isReady);
  });

  it('backs off a crashing container: CrashLoopBackOff with the kubelet message', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'crashy' },
        spec: {
          nodeName: 'sandbox',
          containers: [
            {
              name: 'crash',
              image: 'busybox',
              command: ['sh', '-c', 'echo about to fail; exit 3'],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
        },
      },
    });
    const pod = await waitPod(
      'crashy',
      'CrashLoopBackOff',
      (p) => p.status?.containerStatuses?.[0].state?.waiting?.reason === 'CrashLoopBackOff',
    );
    const status = pod.status!.containerStatuses![0];
    expect(status.restartCount).toBe(1);
    expect(status.state!.waiting!.message).toBe(
      `back-off 10s restarting failed container=crash pod=crashy_default(${pod.metadata!.uid})`,
    );
    expect(status.lastState?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: 'about to fail\n',
    });
    expect(pod.status?.phase).toBe('Running');
    expect(isReady(pod)).toBe(false);
    expect(await (await fetch(`${kubelet.url}/containerLogs/${ns}/crashy/crash?previous=true`)).text()).toBe(
      'about to fail\n',
    );
  });

  it('reports an unknown image as ErrImagePull / ImagePullBackOff with a clear message', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'noimage' },
        spec: { nodeName: 'sandbox', containers: [{ name: 'app', image: 'shop/unknown:1.0' }] },
      },
    });
    const pod = await waitPod('noimage', 'image pull failure', (p) =>
      ['ErrImagePull', 'ImagePullBackOff'].includes(
        p.status?.containerStatuses?.[0].state?.waiting?.reason ?? '',
      ),
    );
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status!.containerStatuses![0].state!.waiting!.message).toContain(
      'image "shop/unknown:1.0" is not in the sandbox image registry',
    );
  });

  it('runs a job to completion under restartPolicy OnFailure, after its init container', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'job' },
        spec: {
          nodeName: 'sandbox',
          restartPolicy: 'OnFailure',
          initContainers: [{ name: 'prepare', image: 'busybox', command: ['sh', '-c', 'echo prepared'] }],
          containers: [
            {
              name: 'work',
              image: 'busybox',
              command: ['sh', '-c', 'echo "$MESSAGE"'],
              env: [{ name: 'MESSAGE', value: 'done on $(POD_IP)' }],
            },
          ],
        },
      },
    });
    const pod = await waitPod('job', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(pod.status?.initContainerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('PodCompleted');
    expect(await (await fetch(`${kubelet.url}/containerLogs/${ns}/job/work`)).text()).toBe(
      `done on ${pod.status!.podIP}\n`,
    );
  });

  it('starts a pod once the scheduler binds it to this node', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'bound' },
        spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '60'] }] },
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await readPod(cluster.core, ns, 'bound'))?.status?.phase ?? 'Pending').toBe('Pending');
    await cluster.core.createNamespacedPodBinding({
      name: 'bound',
      namespace: ns,
      body: { metadata: { name: 'bound' }, target: { kind: 'Node', name: 'sandbox' } },
    });
    await waitPod('bound', 'Running after binding', (p) => p.status?.phase === 'Running');
    await cluster.core.deleteNamespacedPod({ name: 'bound', namespace: ns, gracePeriodSeconds: 0 });
  });

  it('waits with CreateContainerConfigError for a missing ConfigMap, then starts with its values', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'configured' },
        spec: {
          nodeName: 'sandbox',
          restartPolicy: 'Never',
          containers: [
            {
              name: 'app',
              image: 'busybox',
              command: ['sh', '-c', 'echo "$LEVEL/$MODE/$TOKEN"'],
              env: [
                { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'level' } } },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'token' } } },
              ],
              envFrom: [{ configMapRef: { name: 'app-config' } }],
            },
          ],
        },
      },
    });
    const waiting = await waitPod(
      'configured',
      'CreateContainerConfigError',
      (p) => p.status?.containerStatuses?.[0].state?.waiting?.reason === 'CreateContainerConfigError',
    );
    expect(waiting.status!.containerStatuses![0].state!.waiting!.message).toBe(
      'configmap "app-config" not found',
    );
    await cluster.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app-config' }, data: { level: 'debug', MODE: 'fast' } },
    });
    await cluster.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'app-secret' }, stringData: { token: 't0ken' } },
    });
    const done = await waitPod('configured', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(done.status?.containerStatuses?.[0].state?.terminated?.exitCode).toBe(0);
    expect(await (await fetch(`${kubelet.url}/containerLogs/${ns}/configured/app`)).text()).toBe(
      'debug/fast/t0ken\n',
    );
  });

  it('keeps a native sidecar running next to the main container and stops it when the pod completes', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'with-sidecar' },
        spec: {
          nodeName: 'sandbox',
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 2,
          initContainers: [
            { name: 'proxy', image: 'busybox', restartPolicy: 'Always', command: ['sleep', '60'] },
          ],
          // Long enough to be seen running next to the sidecar on a loaded two-core machine.
          containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 3; echo finished'] }],
        },
      },
    });
    const running = await waitPod(
      'with-sidecar',
      'main running next to the sidecar',
      (p) =>
        p.status?.containerStatuses?.[0].state?.running !== undefined &&
        p.status?.initContainerStatuses?.[0]?.state?.running !== undefined,
    );
    const sidecar = running.status!.initContainerStatuses![0];
    expect(sidecar).toMatchObject({ name: 'proxy', started: true, ready: true });
    expect(sidecar.state?.running).toBeDefined();
    const sidecarPid = Number(sidecar.containerID!.slice('process://'.length));
    const done = await waitPod('with-sidecar', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(done.status?.containerStatuses?.[0].state?.terminated?.exitCode).toBe(0);
    expect(done.status?.initContainerStatuses?.[0].state?.terminated).toBeDefined();
    expect(processAlive(sidecarPid)).toBe(false);
  });

  it('fails a pod that outlives activeDeadlineSeconds', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'deadline' },
        spec: {
          nodeName: 'sandbox',
          activeDeadlineSeconds: 1,
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'app', image: 'busybox', command: ['sleep', '60'] }],
        },
      },
    });
    const pod = await waitPod('deadline', 'Failed', (p) => p.status?.phase === 'Failed', 10_000);
    expect(pod.status).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
    });
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toBeDefined();
  });

  it('restarts a container with the new image when the pod spec image changes', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'upgrade' },
        spec: {
          nodeName: 'sandbox',
          restartPolicy: 'OnFailure',
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '60'] }],
        },
      },
    });
    const before = await waitPod('upgrade', 'Running', (p) => p.status?.phase === 'Running');
    await cluster.core.patchNamespacedPod({
      name: 'upgrade',
      namespace: ns,
      body: [{ op: 'replace', path: '/spec/containers/0/image', value: 'busybox:1.37' }],
    });
    const after = await waitPod('upgrade', 'running the new image', (p) => {
      const s = p.status?.containerStatuses?.[0];
      return s?.image === 'busybox:1.37' && s.state?.running !== undefined;
    });
    expect(after.status?.phase).toBe('Running');
    expect(after.status?.containerStatuses?.[0].restartCount).toBe(1);
    expect(pidOf(after, 'app')).not.toBe(pidOf(before, 'app'));
    expect(processAlive(pidOf(before, 'app')!)).toBe(false);
  });

  it('terminates gracefully on delete: SIGTERM reaches the process, then the pod object goes away', async () => {
    const marker = join(kubeletDataDir, 'term-marker');
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'graceful' },
        spec: {
          nodeName: 'sandbox',
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'app',
              image: 'busybox',
              command: [
                'sh',
                '-c',
                `trap 'echo got-term > ${marker}; exit 0' TERM; echo started; while true; do sleep 0.1; done`,
              ],
            },
          ],
        },
      },
    });
    const pod = await waitPod('graceful', 'Running', (p) => p.status?.phase === 'Running');
    const pid = pidOf(pod, 'app')!;
    await cluster.core.deleteNamespacedPod({ name: 'graceful', namespace: ns });
    await waitFor(
      'pod object removed',
      async () => (await readPod(cluster.core, ns, 'graceful')) === undefined,
      15_000,
    );
    expect(readFileSync(marker, 'utf8').trim()).toBe('got-term');
    expect(processAlive(pid)).toBe(false);
  });

  it('kills at once when the grace period is zero, even a process that ignores SIGTERM', async () => {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'stubborn' },
        spec: {
          nodeName: 'sandbox',
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: 'app',
              image: 'busybox',
              command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"],
            },
          ],
        },
      },
    });
    const pod = await waitPod('stubborn', 'Running', (p) => p.status?.phase === 'Running');
    const pid = pidOf(pod, 'app')!;
    const started = Date.now();
    await cluster.core.deleteNamespacedPod({ name: 'stubborn', namespace: ns, gracePeriodSeconds: 0 });
    await waitFor('process killed', () => !processAlive(pid), 15_000);
    await waitFor(
      'pod object removed',
      async () => (await readPod(cluster.core, ns, 'stubborn')) === undefined,
      15_000,
    );
    // Killed at once: well before the 30 s default grace period a TERM-ignoring process would get.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('recovers after a restart: kills orphans, restarts lost containers with restartCount bumped, same address', async () => {
    // A process left behind by a "previous kubelet", recorded in its pid file.
    const orphan = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const starttime = Number(readFileSync(`/proc/${orphan.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
    const before = (await readPod(cluster.core, ns, 'web'))!;
    const restartsBefore = before.status!.containerStatuses![0].restartCount;
    const oldPid = pidOf(before, 'echo')!;

    await kubelet.stop();
    expect(processAlive(oldPid)).toBe(false);
    const stale = await readPod(cluster.core, ns, 'web');
    expect(stale?.status?.phase).toBe('Running'); // the pod object stays, like a node going away
    mkdirSync(join(kubeletDataDir, 'processes'), { recursive: true });
    writeFileSync(
      join(kubeletDataDir, 'processes', 'ghost_app.json'),
      JSON.stringify({ pid: orphan.pid, starttime, bootId, pod: 'default/ghost', container: 'app' }),
    );

    kubelet = await startKubelet(cluster.kc, { dataDir: kubeletDataDir, logger, heartbeatIntervalMs: 1000 });
    await waitFor(
      'orphan killed',
      () => !processAlive(orphan.pid!) || readFileSync(`/proc/${orphan.pid}/stat`, 'utf8').includes(') Z'),
      5000,
    );
    const after = await waitPod(
      'web',
      'restarted after kubelet restart',
      (p) => p.status?.containerStatuses?.[0].restartCount === restartsBefore + 1 && isReady(p),
    );
    expect(after.status?.podIP).toBe(before.status?.podIP);
    expect(after.status!.containerStatuses![0].lastState?.terminated?.reason).toBe('ContainerStatusUnknown');
    expect(existsSync(join(kubeletDataDir, 'processes', 'ghost_app.json'))).toBe(false);
    // Finished pods are taken over as they were: nothing runs again, nothing is rewritten.
    const job = await readPod(cluster.core, ns, 'job');
    expect(job?.status?.phase).toBe('Succeeded');
    expect(job?.status?.containerStatuses?.[0].state?.terminated?.exitCode).toBe(0);
    const deadline = await readPod(cluster.core, ns, 'deadline');
    expect(deadline?.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    const res = await fetch(`http://${after.status!.podIP}:8080/`);
    expect(res.status).toBe(200);
  });

  it('on stop with markPodsOnStop, reports the stopped containers instead of leaving pods Ready', async () => {
    await kubelet.stop();
    kubelet = await startKubelet(cluster.kc, {
      dataDir: kubeletDataDir,
      logger,
      ...fastRetries,
      markPodsOnStop: true,
    });
    await waitPod(
      'web',
      'Ready again',
      (p) => isReady(p) && p.status?.containerStatuses?.[0].state?.running !== undefined,
    );
    await kubelet.stop();
    const pod = (await readPod(cluster.core, ns, 'web'))!;
    expect(isReady(pod)).toBe(false);
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toBeDefined();
  });
});
