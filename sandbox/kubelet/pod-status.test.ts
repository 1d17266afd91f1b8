import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  buildPodStatus,
  type ContainerSnapshot,
  type PodSnapshot,
  podPhase,
  qosClass,
} from './pod-status.ts';

const running = (name: string, ready = true): ContainerSnapshot => ({
  name,
  image: 'img',
  imageID: 'img@sha256:1',
  containerID: 'process://1',
  state: { kind: 'running', startedAt: Date.parse('2025-01-01T00:00:00Z') },
  restartCount: 0,
  ready,
  started: true,
});
const exited = (name: string, exitCode: number): ContainerSnapshot => ({
  ...running(name, false),
  started: false,
  state: {
    kind: 'terminated',
    exitCode,
    reason: exitCode ? 'Error' : 'Completed',
    finishedAt: Date.parse('2025-01-01T00:01:00Z'),
  },
});
const waiting = (name: string, reason = 'ContainerCreating', lastExit?: number): ContainerSnapshot => ({
  ...running(name, false),
  started: false,
  state: { kind: 'waiting', reason },
  ...(lastExit !== undefined
    ? { lastTerminated: { exitCode: lastExit, reason: 'Error', finishedAt: 0 } }
    : {}),
});

function pod(
  restartPolicy: string,
  containers: string[],
  initContainers: Array<{ name: string; sidecar?: boolean }> = [],
): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: {
      restartPolicy,
      containers: containers.map((name) => ({ name, image: 'img' })),
      initContainers: initContainers.map((c) => ({
        name: c.name,
        image: 'img',
        ...(c.sidecar ? { restartPolicy: 'Always' } : {}),
      })),
    },
  };
}

function snap(
  containers: ContainerSnapshot[],
  initContainers: ContainerSnapshot[] = [],
  terminal = false,
): PodSnapshot {
  return {
    podIP: '127.10.0.9',
    hostIP: '127.0.0.1',
    startTime: 0,
    sandboxReady: true,
    containers,
    initContainers,
    terminal,
  };
}

describe('podPhase', () => {
  it.each([
    ['Pending while a container waits to be created', 'Always', [waiting('a')], 'Pending'],
    ['Running when all started and one runs', 'Always', [running('a'), exited('b', 0)], 'Running'],
    ['Running while restarting under Always', 'Always', [waiting('a', 'CrashLoopBackOff', 1)], 'Running'],
    ['Succeeded when all exit 0 under OnFailure', 'OnFailure', [exited('a', 0), exited('b', 0)], 'Succeeded'],
    [
      'Running while a failure restarts under OnFailure',
      'OnFailure',
      [exited('a', 0), waiting('b', 'CrashLoopBackOff', 2)],
      'Running',
    ],
    ['Failed when one fails under Never', 'Never', [exited('a', 0), exited('b', 3)], 'Failed'],
    ['Succeeded when all exit 0 under Never', 'Never', [exited('a', 0)], 'Succeeded'],
  ])('%s', (_title, policy, containers, phase) => {
    const names = (containers as ContainerSnapshot[]).map((c) => c.name);
    expect(podPhase(pod(policy as string, names), snap(containers as ContainerSnapshot[]))).toBe(phase);
  });

  it('is Pending while init containers run, and Failed when one fails under Never', () => {
    const p = pod('Never', ['app'], [{ name: 'init' }]);
    expect(podPhase(p, snap([waiting('app', 'PodInitializing')], [running('init')]))).toBe('Pending');
    expect(podPhase(p, snap([waiting('app', 'PodInitializing')], [exited('init', 1)]))).toBe('Failed');
  });

  it('lets a started sidecar count as initialized', () => {
    const p = pod('Always', ['app'], [{ name: 'proxy', sidecar: true }]);
    expect(podPhase(p, snap([running('app')], [running('proxy')]))).toBe('Running');
    expect(
      podPhase(p, snap([waiting('app', 'PodInitializing')], [{ ...running('proxy'), started: false }])),
    ).toBe('Pending');
  });

  it('stays Running while a sidecar is still being stopped after the main containers finished', () => {
    const p = pod('Never', ['app'], [{ name: 'proxy', sidecar: true }]);
    expect(podPhase(p, snap([exited('app', 0)], [running('proxy')]))).toBe('Running');
    expect(podPhase(p, snap([exited('app', 0)], [exited('proxy', 143)], true))).toBe('Succeeded');
  });

  it('is final once the pod is terminal, whatever the policy', () => {
    expect(podPhase(pod('Always', ['a']), snap([exited('a', 143)], [], true))).toBe('Failed');
    expect(podPhase(pod('Always', ['a']), snap([exited('a', 0)], [], true))).toBe('Succeeded');
    expect(
      podPhase(pod('Always', ['a']), {
        ...snap([running('a')]),
        failure: { reason: 'DeadlineExceeded', message: 'x' },
      }),
    ).toBe('Failed');
  });
});

describe('qosClass', () => {
  const withResources = (...resources: Array<Record<string, Record<string, string>> | undefined>): V1Pod => ({
    spec: { containers: resources.map((r, i) => ({ name: `c${i}`, ...(r ? { resources: r } : {}) })) },
  });
  it('classifies like the API server', () => {
    expect(qosClass(withResources(undefined))).toBe('BestEffort');
    expect(qosClass(withResources({ limits: { cpu: '1', memory: '1Gi' } }))).toBe('Guaranteed');
    expect(
      qosClass(
        withResources({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } }),
      ),
    ).toBe('Guaranteed');
    expect(qosClass(withResources({ requests: { cpu: '100m' } }))).toBe('Burstable');
    expect(qosClass(withResources({ limits: { cpu: '1', memory: '1Gi' } }, undefined))).toBe('Burstable');
    expect(qosClass(withResources({ limits: { cpu: '1' } }))).toBe('Burstable');
  });
});

describe('buildPodStatus', () => {
  it('writes the status the kubelet writes for a ready pod', () => {
    const now = Date.parse('2025-01-01T00:02:00Z');
    const status = buildPodStatus(pod('Always', ['app']), snap([running('app')]), now);
    expect(status).toMatchObject({
      phase: 'Running',
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: '127.10.0.9',
      podIPs: [{ ip: '127.10.0.9' }],
      startTime: '1970-01-01T00:00:00Z',
      qosClass: 'BestEffort',
      containerStatuses: [
        {
          name: 'app',
          image: 'img',
          imageID: 'img@sha256:1',
          containerID: 'process://1',
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: '2025-01-01T00:00:00Z' } },
          lastState: {},
        },
      ],
    });
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(status).not.toHaveProperty('initContainerStatuses');
  });

  it('says which containers are not ready, and keeps transition times of unchanged conditions', () => {
    const p = pod('Always', ['a', 'b']);
    p.status = {
      conditions: [
        { type: 'Ready', status: 'False', lastTransitionTime: '2025-01-01T00:00:05Z' as unknown as Date },
        {
          type: 'PodScheduled',
          status: 'True',
          lastTransitionTime: '2025-01-01T00:00:01Z' as unknown as Date,
        },
      ],
    };
    const now = Date.parse('2025-01-01T00:09:00Z');
    const status = buildPodStatus(p, snap([running('a', false), running('b', false)]), now);
    const ready = status.conditions.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [a b]',
      lastTransitionTime: '2025-01-01T00:00:05Z',
    });
    expect(status.conditions.find((c) => c.type === 'PodScheduled')!.lastTransitionTime).toBe(
      '2025-01-01T00:00:01Z',
    );
    expect(status.conditions.find((c) => c.type === 'ContainersReady')!.lastTransitionTime).toBe(
      '2025-01-01T00:09:00Z',
    );
  });

  it('holds Ready back until readiness gates are true, keeping conditions others own', () => {
    const p = pod('Always', ['a']);
    p.spec!.readinessGates = [{ conditionType: 'example.com/lb-ready' }];
    const blocked = buildPodStatus(p, snap([running('a')]));
    expect(blocked.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReadinessGatesNotReady',
      message: 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist.',
    });
    p.status = { conditions: [{ type: 'example.com/lb-ready', status: 'True' }] };
    const open = buildPodStatus(p, snap([running('a')]));
    expect(open.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(open.conditions.some((c) => c.type === 'example.com/lb-ready')).toBe(true);
  });

  it('reports init progress and the restart history', () => {
    const p = pod('Always', ['app'], [{ name: 'migrate' }]);
    const crashed: ContainerSnapshot = {
      ...waiting('migrate', 'CrashLoopBackOff', 1),
      restartCount: 2,
      state: {
        kind: 'waiting',
        reason: 'CrashLoopBackOff',
        message: 'back-off 20s restarting failed container=migrate pod=p_default(u)',
      },
    };
    const status = buildPodStatus(p, snap([waiting('app', 'PodInitializing')], [crashed]));
    expect(status.phase).toBe('Pending');
    expect(status.conditions.find((c) => c.type === 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [migrate]',
    });
    expect(status.initContainerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: 'back-off 20s restarting failed container=migrate pod=p_default(u)',
        },
      },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    });
  });

  it('marks a completed pod PodCompleted', () => {
    const status = buildPodStatus(pod('OnFailure', ['job']), snap([exited('job', 0)], [], true));
    expect(status.phase).toBe('Succeeded');
    expect(status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
    expect(status.conditions.find((c) => c.type === 'PodReadyToStartContainers')?.status).toBe('False');
  });
});
