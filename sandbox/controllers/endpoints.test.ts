import type { V1EndpointSlice, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  computeEndpointSubsets,
  computeSliceEndpoints,
  MAX_ENDPOINTS_ADDRESSES,
  planSlices,
  resolveTargetPort,
} from './endpoints.ts';

const svc = (ports: V1ServicePort[], extra: Partial<NonNullable<V1Service['spec']>> = {}): V1Service => ({
  metadata: { name: 'users', namespace: 'ns', labels: { team: 'a' } },
  spec: { selector: { app: 'users' }, ports, ...extra },
});

function pod(
  name: string,
  ip: string | undefined,
  opts: { ready?: boolean; deleting?: boolean; node?: string; httpPort?: number; phase?: string } = {},
): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: { app: 'users' },
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      nodeName: opts.node ?? 'sandbox',
      containers: [
        {
          name: 'main',
          image: 'x',
          ports: opts.httpPort === undefined ? [] : [{ name: 'http', containerPort: opts.httpPort }],
        },
      ],
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('target ports', () => {
  it('resolves numbers, names (per pod) and defaults to the service port', () => {
    const p = pod('a', '10.0.0.1', { httpPort: 8080 });
    expect(resolveTargetPort({ port: 80, targetPort: 9000 }, p)).toBe(9000);
    expect(resolveTargetPort({ port: 80, targetPort: 'http' }, p)).toBe(8080);
    expect(resolveTargetPort({ port: 80, targetPort: 'grpc' }, p)).toBeUndefined();
    expect(resolveTargetPort({ port: 80 }, p)).toBe(80);
    expect(resolveTargetPort({ port: 80, targetPort: 'http', protocol: 'UDP' }, p)).toBeUndefined();
  });

  it('resolves names on native sidecars, not on init containers that run to completion', () => {
    const p = pod('a', '10.0.0.1', { httpPort: 8080 });
    p.spec!.initContainers = [
      { name: 'setup', image: 'busybox', ports: [{ name: 'setup-port', containerPort: 7000 }] },
      {
        name: 'proxy',
        image: 'proxy',
        restartPolicy: 'Always',
        ports: [{ name: 'proxy', containerPort: 15080 }],
      },
    ];
    expect(resolveTargetPort({ port: 80, targetPort: 'proxy' }, p)).toBe(15080);
    expect(resolveTargetPort({ port: 80, targetPort: 'setup-port' }, p)).toBeUndefined();
  });
});

describe('Endpoints subsets', () => {
  it('puts ready pods in addresses and the others in notReadyAddresses; leaves out pods without IP or being deleted', () => {
    const s = svc([{ name: 'web', port: 80, targetPort: 'http' }]);
    const { subsets, truncated } = computeEndpointSubsets(s, [
      pod('b', '10.0.0.2', { httpPort: 8080 }),
      pod('a', '10.0.0.1', { httpPort: 8080 }),
      pod('c', '10.0.0.3', { httpPort: 8080, ready: false }),
      pod('d', undefined, { httpPort: 8080 }),
      pod('e', '10.0.0.5', { httpPort: 8080, deleting: true }),
    ]);
    expect(truncated).toBe(false);
    expect(subsets).toEqual([
      {
        addresses: [
          {
            ip: '10.0.0.1',
            nodeName: 'sandbox',
            targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' },
          },
          {
            ip: '10.0.0.2',
            nodeName: 'sandbox',
            targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' },
          },
        ],
        notReadyAddresses: [
          {
            ip: '10.0.0.3',
            nodeName: 'sandbox',
            targetRef: { kind: 'Pod', namespace: 'ns', name: 'c', uid: 'uid-c' },
          },
        ],
        ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('groups pods whose named port resolves differently into separate subsets, and skips pods without it', () => {
    const s = svc([{ name: 'web', port: 80, targetPort: 'http' }]);
    const { subsets } = computeEndpointSubsets(s, [
      pod('a', '10.0.0.1', { httpPort: 8080 }),
      pod('b', '10.0.0.2', { httpPort: 9090 }),
      pod('c', '10.0.0.3'),
    ]);
    expect(subsets.map((x) => [x.ports?.[0]?.port, x.addresses?.map((a) => a.ip)])).toEqual([
      [8080, ['10.0.0.1']],
      [9090, ['10.0.0.2']],
    ]);
  });

  it('publishNotReadyAddresses lists unready pods as ready', () => {
    const s = svc([{ port: 80 }], { publishNotReadyAddresses: true });
    const { subsets } = computeEndpointSubsets(s, [pod('a', '10.0.0.1', { ready: false })]);
    expect(subsets[0]!.addresses).toHaveLength(1);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
  });

  it('truncates at 1000 addresses, keeping ready ones first', () => {
    const pods = Array.from({ length: MAX_ENDPOINTS_ADDRESSES + 5 }, (_, i) =>
      pod(`p${i}`, `10.1.${Math.floor(i / 250)}.${i % 250}`, { ready: i >= 5 }),
    );
    const { subsets, truncated } = computeEndpointSubsets(svc([{ port: 80 }]), pods);
    expect(truncated).toBe(true);
    expect(subsets[0]!.addresses).toHaveLength(1000);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
  });
});

describe('EndpointSlices', () => {
  const s = svc([{ name: 'web', port: 80, targetPort: 'http' }]);

  it('keeps terminating pods with ready=false, serving from readiness, terminating=true', () => {
    const [group] = computeSliceEndpoints(s, [
      pod('a', '10.0.0.1', { httpPort: 8080 }),
      pod('b', '10.0.0.2', { httpPort: 8080, deleting: true }),
    ]);
    expect(group!.ports).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect(group!.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.0.0.1', { ready: true, serving: true, terminating: false }],
      ['10.0.0.2', { ready: false, serving: true, terminating: true }],
    ]);
    expect(group!.endpoints[0]).toMatchObject({
      nodeName: 'sandbox',
      targetRef: { kind: 'Pod', name: 'a', uid: 'uid-a' },
    });
  });

  const slice = (name: string, ips: string[]): V1EndpointSlice => {
    const [g] = computeSliceEndpoints(
      s,
      ips.map((ip, i) => pod(`${name}${i}`, ip, { httpPort: 8080 })),
    );
    return { metadata: { name }, addressType: 'IPv4', ports: g!.ports, endpoints: g!.endpoints };
  };

  it('changes nothing when the slices already match', () => {
    const existing = slice('users-a', ['10.0.0.1']);
    const desired = computeSliceEndpoints(s, [pod('users-a0', '10.0.0.1', { httpPort: 8080 })]);
    expect(planSlices([existing], desired)).toEqual({ create: [], update: [], delete: [] });
  });

  it('keeps endpoints where they are, fills slices with room, creates slices for the rest', () => {
    const existing = slice('users-a', ['10.0.0.1', '10.0.0.2']);
    const pods = [
      pod('users-a0', '10.0.0.1', { httpPort: 8080 }),
      ...Array.from({ length: 3 }, (_, i) => pod(`n${i}`, `10.0.1.${i}`, { httpPort: 8080 })),
    ];
    const plan = planSlices([existing], computeSliceEndpoints(s, pods), 2);
    expect(plan.delete).toEqual([]);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.endpoints.map((e) => e.addresses[0])).toEqual(['10.0.0.1', '10.0.1.0']);
    expect(plan.create.map((c) => c.endpoints.map((e) => e.addresses[0]))).toEqual([
      ['10.0.1.1', '10.0.1.2'],
    ]);
  });

  it('deletes emptied slices but keeps one empty placeholder when the service has no endpoints', () => {
    const a = slice('users-a', ['10.0.0.1']);
    const b = slice('users-b', ['10.0.0.2']);
    const onlyB = computeSliceEndpoints(s, [pod('users-b0', '10.0.0.2', { httpPort: 8080 })]);
    expect(planSlices([a, b], onlyB)).toEqual({ create: [], update: [], delete: [a] });
    const none = planSlices([a, b], []);
    expect(none.update).toEqual([{ slice: a, ports: [], endpoints: [] }]);
    expect(none.delete).toEqual([b]);
    expect(planSlices([], []).create).toEqual([{ ports: [], endpoints: [] }]);
  });
});
