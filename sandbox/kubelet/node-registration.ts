// Registers a Node and keeps it alive the way a kubelet does: the Node object (labels, taints,
// capacity, addresses, daemon endpoint, nodeInfo), a status heartbeat that refreshes the
// conditions, and a coordination.k8s.io Lease in kube-node-lease renewed every few seconds.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1Taint,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiStatusCode, errorText } from './informer.ts';
import { rfc3339, rfc3339Micro, toMillis } from './k8s-time.ts';

export const KUBELET_VERSION = 'v1.32.0-homeostat';
const LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeRegistrationOptions {
  kc: KubeConfig;
  nodeName: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: V1Taint[];
  capacity: Record<string, string>;
  allocatable?: Record<string, string>;
  kubeletPort: number;
  containerRuntimeVersion: string;
  logger: Logger;
  heartbeatIntervalMs?: number;
  leaseDurationSeconds?: number;
}

const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function osImage(): string {
  const release = readText('/etc/os-release') ?? '';
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release);
  return pretty ? pretty[1] : `${os.type()} ${os.release()}`;
}

export function goArch(arch: string = process.arch): string {
  return (
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[arch] ?? arch
  );
}

export function nodeInfo(containerRuntimeVersion: string) {
  const machineID = readText('/etc/machine-id') ?? '';
  return {
    machineID,
    systemUUID: readText('/sys/class/dmi/id/product_uuid') ?? machineID,
    bootID: readText('/proc/sys/kernel/random/boot_id') ?? '',
    kernelVersion: os.release(),
    osImage: osImage(),
    containerRuntimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: KUBELET_VERSION,
    operatingSystem: 'linux',
    architecture: goArch(),
  };
}

/** Capacity of this machine: cores, memory, a pod limit and the data disk. */
export function machineCapacity(maxPods = 110): Record<string, string> {
  return {
    cpu: String(os.cpus().length || 1),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(maxPods),
    'ephemeral-storage': `${100 * 1024 * 1024}Ki`,
  };
}

type ConditionJson = {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
};

const HEALTHY_CONDITIONS: Array<Omit<ConditionJson, 'lastHeartbeatTime' | 'lastTransitionTime'>> = [
  {
    type: 'MemoryPressure',
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

export class NodeRegistration {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private nodeUid: string | undefined;
  private transitions = new Map<string, { status: string; at: string }>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: NodeRegistrationOptions) {
    this.core = opts.kc.makeApiClient(CoreV1Api);
    this.coordination = opts.kc.makeApiClient(CoordinationV1Api);
  }

  /** Creates or updates the Node and posts its first status and lease. */
  async register(): Promise<void> {
    const { nodeName } = this.opts;
    let node: V1Node;
    try {
      node = await this.core.readNode({ name: nodeName });
      const taints = this.mergedTaints(node.spec?.taints ?? []);
      node = await this.core.patchNode(
        {
          name: nodeName,
          body: {
            metadata: {
              labels: this.opts.labels,
              ...(this.opts.annotations ? { annotations: this.opts.annotations } : {}),
            },
            spec: { taints: taints.length ? taints : null },
          },
        },
        mergePatch(),
      );
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
      node = await this.core.createNode({
        body: {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: nodeName,
            labels: this.opts.labels,
            ...(this.opts.annotations ? { annotations: this.opts.annotations } : {}),
          },
          spec: this.opts.taints?.length ? { taints: this.opts.taints } : {},
        },
      });
    }
    this.nodeUid = node.metadata?.uid;
    for (const c of node.status?.conditions ?? []) {
      const at = toMillis(c.lastTransitionTime as Date | string | undefined);
      if (at !== undefined) this.transitions.set(c.type, { status: c.status, at: rfc3339(at) });
    }
    await this.postStatus();
    await this.renewLease();
  }

  /** Our taints replace same-key taints; others (cordon, user taints) stay. */
  private mergedTaints(existing: V1Taint[]): V1Taint[] {
    const ours = this.opts.taints ?? [];
    const keys = new Set(ours.map((t) => `${t.key}:${t.effect}`));
    return [...existing.filter((t) => !keys.has(`${t.key}:${t.effect}`)), ...ours];
  }

  startHeartbeats(): void {
    const interval = this.opts.heartbeatIntervalMs ?? 10_000;
    const beat = async () => {
      if (this.stopped) return;
      try {
        await this.renewLease();
        await this.postStatus();
      } catch (err) {
        if (apiStatusCode(err) === 404) {
          this.opts.logger.warn({ node: this.opts.nodeName }, 'node object is gone; registering again');
          await this.register().catch((e) =>
            this.opts.logger.warn({ err: errorText(e) }, 'node re-registration failed'),
          );
        } else {
          this.opts.logger.warn({ err: errorText(err), node: this.opts.nodeName }, 'node heartbeat failed');
        }
      }
      if (!this.stopped) this.heartbeatTimer = setTimeout(beat, interval);
    };
    this.heartbeatTimer = setTimeout(beat, interval);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.heartbeatTimer);
  }

  private conditions(now: string): ConditionJson[] {
    return HEALTHY_CONDITIONS.map((c) => {
      const before = this.transitions.get(c.type);
      const at = before && before.status === c.status ? before.at : now;
      this.transitions.set(c.type, { status: c.status, at });
      return { ...c, lastHeartbeatTime: now, lastTransitionTime: at };
    });
  }

  async postStatus(): Promise<void> {
    const now = rfc3339();
    await this.core.patchNodeStatus(
      {
        name: this.opts.nodeName,
        body: {
          status: {
            capacity: this.opts.capacity,
            allocatable: this.opts.allocatable ?? this.opts.capacity,
            conditions: this.conditions(now),
            addresses: [
              { type: 'InternalIP', address: '127.0.0.1' },
              { type: 'Hostname', address: this.opts.nodeName },
            ],
            daemonEndpoints: { kubeletEndpoint: { Port: this.opts.kubeletPort } },
            nodeInfo: nodeInfo(this.opts.containerRuntimeVersion),
          },
        },
      },
      mergePatch(),
    );
  }

  async renewLease(): Promise<void> {
    const spec = {
      holderIdentity: this.opts.nodeName,
      leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40,
      renewTime: rfc3339Micro(),
    };
    try {
      await this.coordination.patchNamespacedLease(
        { name: this.opts.nodeName, namespace: LEASE_NAMESPACE, body: { spec } },
        mergePatch(),
      );
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
      await this.coordination.createNamespacedLease({
        namespace: LEASE_NAMESPACE,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.opts.nodeName,
            namespace: LEASE_NAMESPACE,
            ...(this.nodeUid
              ? {
                  ownerReferences: [
                    { apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: this.nodeUid },
                  ],
                }
              : {}),
          },
          spec: { ...spec, renewTime: new Date(), acquireTime: new Date() },
        },
      });
    }
  }
}
