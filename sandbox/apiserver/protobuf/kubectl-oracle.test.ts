// kubectl is the oracle: for each imperative command, `--dry-run=client -o json` prints the object
// kubectl would send; the same command run for real against a capture server sends it, in protobuf
// for typed clients. The decoded body must equal the printed object.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, isProtobufContentType } from './index.ts';
import {
  type CapturedRequest,
  type CaptureServer,
  startCaptureServer,
} from './test-support/capture-server.ts';
import { type Kubectl, kubectlAvailable, kubectlFor } from './test-support/kubectl.ts';

interface Case {
  name: string;
  args: string[];
  /** kubectl 1.32 sends protobuf from its typed clients; run and expose send JSON. */
  protobuf: boolean;
}

const CASES: Case[] = [
  {
    name: 'create deployment with replicas, a port and two images',
    args: [
      'create',
      'deployment',
      'web',
      '--image=nginx:1.27',
      '--image=busybox',
      '--replicas=3',
      '--port=8080',
    ],
    protobuf: true,
  },
  {
    name: 'create deployment with zero replicas keeps the explicit 0',
    args: ['create', 'deployment', 'idle', '--image=nginx', '--replicas=0'],
    protobuf: true,
  },
  {
    name: 'create configmap from literals, a text file and a binary file',
    args: [
      'create',
      'configmap',
      'settings',
      '--from-literal=mode=fast',
      '--from-literal=empty=',
      '--from-file=app.properties',
      '--from-file=payload.bin',
    ],
    protobuf: true,
  },
  {
    name: 'create configmap from an env file',
    args: ['create', 'configmap', 'env', '--from-env-file=app.env'],
    protobuf: true,
  },
  {
    name: 'create secret generic from literals',
    args: [
      'create',
      'secret',
      'generic',
      'db',
      '--from-literal=password=hunter2',
      '--from-literal=user=admin',
    ],
    protobuf: true,
  },
  {
    name: 'create secret docker-registry',
    args: [
      'create',
      'secret',
      'docker-registry',
      'pull',
      '--docker-server=registry.example',
      '--docker-username=u',
      '--docker-password=p',
    ],
    protobuf: true,
  },
  { name: 'create namespace', args: ['create', 'namespace', 'staging'], protobuf: true },
  {
    name: 'create service clusterip with two ports',
    args: ['create', 'service', 'clusterip', 'api', '--tcp=80:8080', '--tcp=443'],
    protobuf: true,
  },
  {
    name: 'create headless service',
    args: ['create', 'service', 'clusterip', 'headless', '--clusterip=None'],
    protobuf: true,
  },
  {
    name: 'create service nodeport',
    args: ['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'],
    protobuf: true,
  },
  {
    name: 'create service externalname',
    args: ['create', 'service', 'externalname', 'ext', '--external-name=example.com', '--tcp=80'],
    protobuf: true,
  },
  { name: 'create serviceaccount', args: ['create', 'serviceaccount', 'robot'], protobuf: true },
  {
    name: 'create poddisruptionbudget with min-available',
    args: ['create', 'poddisruptionbudget', 'web-pdb', '--selector=app=web', '--min-available=2'],
    protobuf: true,
  },
  {
    name: 'create poddisruptionbudget with set-based selectors and a percentage',
    args: [
      'create',
      'poddisruptionbudget',
      'web-pdb2',
      '--selector=app=web,tier in (front,back),!legacy',
      '--max-unavailable=50%',
    ],
    protobuf: true,
  },
  {
    name: 'create role with verbs, resources of two groups and a resource name',
    args: [
      'create',
      'role',
      'reader',
      '--verb=get,list,watch',
      '--resource=pods,deployments.apps',
      '--resource-name=web',
    ],
    protobuf: true,
  },
  {
    name: 'create clusterrole with a non-resource URL',
    args: ['create', 'clusterrole', 'metrics', '--verb=get', '--non-resource-url=/metrics'],
    protobuf: true,
  },
  {
    name: 'create clusterrole with an aggregation rule',
    args: [
      'create',
      'clusterrole',
      'monitoring',
      '--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true',
    ],
    protobuf: true,
  },
  {
    name: 'create rolebinding for a user, a group and a service account',
    args: [
      'create',
      'rolebinding',
      'readers',
      '--role=reader',
      '--user=alice',
      '--group=devs',
      '--serviceaccount=default:robot',
    ],
    protobuf: true,
  },
  {
    name: 'create clusterrolebinding to a service account',
    args: ['create', 'clusterrolebinding', 'metrics', '--clusterrole=metrics', '--serviceaccount=ops:prom'],
    protobuf: true,
  },
  {
    name: 'run a pod with env, labels, a port and a command',
    args: [
      'run',
      'once',
      '--image=busybox',
      '--env=A=1',
      '--env=B=two',
      '--labels=app=once,tier=batch',
      '--port=8080',
      '--restart=Never',
      '--command',
      '--',
      'sh',
      '-c',
      'echo hello',
    ],
    protobuf: false,
  },
  {
    name: 'expose a deployment',
    args: ['expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--name=web-svc'],
    protobuf: false,
  },
];

/** The deployment `kubectl expose` reads before it builds the service. */
const WEB_DEPLOYMENT = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: '5f0c2a52-7f4e-4b8e-9a43-0d6f1c3b9e10',
    resourceVersion: '7',
    creationTimestamp: '2024-05-01T10:00:00Z',
    labels: { app: 'web' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 8080, protocol: 'TCP' }] }],
      },
    },
  },
};

/** The pod `kubectl debug --copy-to` copies. */
const APP_POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'app', namespace: 'default', uid: 'a1b2', resourceVersion: '9', labels: { app: 'shop' } },
  spec: {
    nodeName: 'n1',
    containers: [
      {
        name: 'main',
        image: 'shop:1',
        env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 5 },
      },
    ],
  },
  status: { phase: 'Running' },
};

/** Flags for kubectl itself go before `--`; what follows is the container's command. */
function withFlags(args: string[], flags: string[]): string[] {
  const dashes = args.indexOf('--');
  return dashes < 0 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)];
}

function decodeCaptured(req: CapturedRequest): unknown {
  return isProtobufContentType(req.contentType)
    ? decodeKubernetesProtobuf(req.body).object
    : JSON.parse(req.body.toString('utf8'));
}

describe.skipIf(!kubectlAvailable())('kubectl imperative commands, decoded', () => {
  let server: CaptureServer;
  let kubectl: Kubectl;

  beforeAll(async () => {
    server = await startCaptureServer();
    kubectl = kubectlFor(server.url);
    writeFileSync(join(kubectl.dir, 'app.properties'), 'color=blue\nsize=large\n');
    // Not UTF-8, so kubectl puts it in binaryData.
    writeFileSync(join(kubectl.dir, 'payload.bin'), Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x80, 0x7f]));
    writeFileSync(join(kubectl.dir, 'app.env'), 'LOG_LEVEL=debug\nWORKERS=4\n');
    server.objects.set('/apis/apps/v1/namespaces/default/deployments/web', WEB_DEPLOYMENT);
    server.objects.set('/api/v1/namespaces/default/pods/app', APP_POD);
    server.objects.set('/api/v1/nodes/n1', {
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { name: 'n1', uid: 'n1' },
    });
  });

  afterAll(async () => {
    kubectl?.dispose();
    await server?.close();
  });

  it.each(CASES)('$name', { timeout: 60_000 }, async ({ args, protobuf }) => {
    const dry = await kubectl.run(withFlags(args, ['--dry-run=client', '-o', 'json']));
    expect(dry.code, dry.stderr).toBe(0);
    const expected = JSON.parse(dry.stdout);

    server.requests.length = 0;
    server.setWriteResponse(expected);
    const real = await kubectl.run(args);
    expect(real.code, real.stderr).toBe(0);

    const writes = server.requests.filter((r) => r.method === 'POST');
    expect(writes).toHaveLength(1);
    const [sent] = writes as [CapturedRequest];
    if (protobuf) expect(sent.contentType).toBe('application/vnd.kubernetes.protobuf');
    expect(decodeCaptured(sent)).toStrictEqual(expected);
  });

  // kubectl debug has no --dry-run; its pods are checked against what its profiles document.
  async function debugPod(args: string[]): Promise<unknown> {
    server.requests.length = 0;
    // kubectl reads the created pod back from the response, so answer with what it sent.
    server.setWriteResponse((req: CapturedRequest) => decodeKubernetesProtobuf(req.body).object);
    const r = await kubectl.run(['debug', ...args]);
    expect(r.code, r.stderr).toBe(0);
    const [sent] = server.requests.filter((q) => q.method === 'POST') as [CapturedRequest];
    expect(sent.contentType).toBe('application/vnd.kubernetes.protobuf');
    return decodeKubernetesProtobuf(sent.body).object;
  }

  it('debug node: a privileged host pod pinned to the node', { timeout: 60_000 }, async () => {
    expect(await debugPod(['node/n1', '--image=busybox', '--profile=sysadmin'])).toStrictEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: expect.stringMatching(/^node-debugger-n1-/), creationTimestamp: null },
      spec: {
        volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
        containers: [
          {
            name: 'debugger',
            image: 'busybox',
            resources: {},
            volumeMounts: [{ name: 'host-root', mountPath: '/host' }],
            terminationMessagePolicy: 'File',
            securityContext: { privileged: true },
          },
        ],
        restartPolicy: 'Never',
        nodeName: 'n1',
        hostNetwork: true,
        hostPID: true,
        hostIPC: true,
        tolerations: [{ operator: 'Exists' }],
      },
      status: {},
    });
  });

  it('debug --copy-to: the copied pod with a restricted debug container added', {
    timeout: 60_000,
  }, async () => {
    const args = ['app', '--copy-to=app-debug', '--image=busybox', '--container=dbg', '--profile=restricted'];
    expect(await debugPod([...args, '--', 'sleep', '60'])).toStrictEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'app-debug', namespace: 'default', creationTimestamp: null },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'shop:1',
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: {},
          },
          {
            name: 'dbg',
            image: 'busybox',
            command: ['sleep', '60'],
            resources: {},
            terminationMessagePolicy: 'File',
            securityContext: {
              capabilities: { drop: ['ALL'] },
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
        ],
        shareProcessNamespace: true,
      },
      status: {},
    });
  });

  it('debug --copy-to --set-image: the copy keeps labels and probes', { timeout: 60_000 }, async () => {
    expect(
      await debugPod(['app', '--copy-to=app-copy', '--set-image=main=busybox', '--profile=restricted']),
    ).toStrictEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'app-copy', namespace: 'default', creationTimestamp: null, labels: { app: 'shop' } },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: {},
            livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 5 },
          },
        ],
      },
      status: {},
    });
  });
});
