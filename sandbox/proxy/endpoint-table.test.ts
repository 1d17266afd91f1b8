import type { V1EndpointSlice } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Balancer } from './balancer.ts';
import {
  backendsFromEndpoints,
  backendsFromSlices,
  proxiedClusterIP,
  tcpServicePorts,
  usableBackends,
} from './endpoint-table.ts';

const http = { name: 'http', port: 80, protocol: 'TCP' };

const slice = (
  endpoints: V1EndpointSlice['endpoints'],
  ports = [{ name: 'http', port: 8080, protocol: 'TCP' }],
): V1EndpointSlice => ({
  addressType: 'IPv4',
  metadata: { name: 's', labels: { 'kubernetes.io/service-name': 'web' } },
  endpoints,
  ports,
});

describe('service ports', () => {
  it('proxies ClusterIP, NodePort and LoadBalancer services, not headless or ExternalName ones', () => {
    expect(proxiedClusterIP({ spec: { type: 'ClusterIP', clusterIP: '127.20.0.5' } })).toBe('127.20.0.5');
    expect(proxiedClusterIP({ spec: { type: 'NodePort', clusterIP: '127.20.0.6' } })).toBe('127.20.0.6');
    expect(proxiedClusterIP({ spec: { type: 'LoadBalancer', clusterIP: '127.20.0.7' } })).toBe('127.20.0.7');
    expect(proxiedClusterIP({ spec: { clusterIP: 'None' } })).toBeUndefined();
    expect(proxiedClusterIP({ spec: { type: 'ExternalName', externalName: 'example.com' } })).toBeUndefined();
  });

  it('listens on TCP ports only', () => {
    expect(
      tcpServicePorts({
        spec: {
          ports: [
            { name: 'http', port: 80 },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
        },
      }),
    ).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
  });
});

describe('backends', () => {
  it('reads slices: the port matching by name, readiness with nil meaning ready', () => {
    const backends = backendsFromSlices(
      [
        slice([
          {
            addresses: ['127.10.0.1'],
            conditions: { ready: true },
            targetRef: { kind: 'Pod', name: 'web-1' },
          },
          { addresses: ['127.10.0.2'], conditions: { ready: false } },
          { addresses: ['127.10.0.3'] },
          { addresses: ['127.10.0.4'], conditions: { ready: false, serving: true, terminating: true } },
        ]),
      ],
      http,
    );
    expect(backends).toEqual([
      { ip: '127.10.0.1', port: 8080, ready: true, serving: true, terminating: false, target: 'Pod/web-1' },
      { ip: '127.10.0.2', port: 8080, ready: false, serving: false, terminating: false },
      { ip: '127.10.0.3', port: 8080, ready: true, serving: true, terminating: false },
      { ip: '127.10.0.4', port: 8080, ready: false, serving: true, terminating: true },
    ]);
    expect(usableBackends(backends).map((b) => b.ip)).toEqual(['127.10.0.1', '127.10.0.3']);
  });

  it('falls back to serving, terminating endpoints when none is ready', () => {
    const backends = backendsFromSlices(
      [
        slice([
          { addresses: ['127.10.0.2'], conditions: { ready: false, serving: false } },
          { addresses: ['127.10.0.4'], conditions: { ready: false, serving: true, terminating: true } },
        ]),
      ],
      http,
    );
    expect(usableBackends(backends).map((b) => b.ip)).toEqual(['127.10.0.4']);
  });

  it('ignores slices without the port and IPv6 slices', () => {
    expect(
      backendsFromSlices(
        [slice([{ addresses: ['127.10.0.1'] }], [{ name: 'other', port: 1, protocol: 'TCP' }])],
        http,
      ),
    ).toEqual([]);
    expect(backendsFromSlices([{ ...slice([{ addresses: ['::1'] }]), addressType: 'IPv6' }], http)).toEqual(
      [],
    );
  });

  it('reads core/v1 Endpoints, notReadyAddresses as not ready', () => {
    const backends = backendsFromEndpoints(
      {
        subsets: [
          {
            addresses: [{ ip: '127.10.0.1', targetRef: { kind: 'Pod', name: 'web-1' } }],
            notReadyAddresses: [{ ip: '127.10.0.2' }],
            ports: [{ name: 'http', port: 8080 }],
          },
        ],
      },
      http,
    );
    expect(usableBackends(backends)).toEqual([
      { ip: '127.10.0.1', port: 8080, ready: true, serving: true, terminating: false, target: 'Pod/web-1' },
    ]);
    expect(backendsFromEndpoints(undefined, http)).toEqual([]);
  });
});

describe('Balancer', () => {
  const backends = [1, 2, 3].map((i) => ({
    ip: `127.10.0.${i}`,
    port: 80,
    ready: true,
    serving: true,
    terminating: false,
  }));
  it('rotates round-robin and skips excluded backends', () => {
    const b = new Balancer();
    expect([1, 2, 3, 4].map(() => b.pick(backends)?.ip)).toEqual([
      '127.10.0.1',
      '127.10.0.2',
      '127.10.0.3',
      '127.10.0.1',
    ]);
    expect(b.pick(backends, new Set(['127.10.0.1:80', '127.10.0.2:80', '127.10.0.3:80']))).toBeUndefined();
    expect(b.pick([])).toBeUndefined();
  });

  it('prefers the least busy backend', () => {
    const b = new Balancer('least-connections');
    const active: Record<string, number> = { '127.10.0.1:80': 3, '127.10.0.2:80': 1, '127.10.0.3:80': 1 };
    const picks = [1, 2].map(() => b.pick(backends, new Set(), (k) => active[k])?.ip);
    expect(picks.sort()).toEqual(['127.10.0.2', '127.10.0.3']);
  });
});
