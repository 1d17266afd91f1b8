import type { V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { endpointsTargetGroups, podTargetGroups, sanitizeLabelName } from './http-sd.ts';

const pod: V1Pod = {
  metadata: {
    name: 'orders-7d9f-abcde',
    namespace: 'shop',
    uid: 'uid-1',
    labels: { app: 'orders', 'app.kubernetes.io/version': '1.2' },
    annotations: { 'prometheus.io/scrape': 'true' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'orders-7d9f', uid: 'rs', controller: true },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'not-a-controller', uid: 'cm' },
    ],
  },
  spec: {
    nodeName: 'sandbox',
    initContainers: [{ name: 'migrate', image: 'homeostat/orders:dev' }],
    containers: [
      {
        name: 'app',
        image: 'homeostat/orders:dev',
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9090 },
        ],
      },
      { name: 'sidecar', image: 'busybox' },
    ],
  },
  status: {
    phase: 'Running',
    podIP: '127.10.0.4',
    hostIP: '127.0.0.1',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [
      { name: 'app', containerID: 'process://42', image: '', imageID: '', ready: true, restartCount: 0 },
    ],
  },
};

describe('podTargetGroups', () => {
  const groups = podTargetGroups(pod);

  it('gives one target per container port and one port-less target per container without ports', () => {
    expect(groups.map((g) => g.targets[0])).toEqual([
      '127.10.0.4:8080',
      '127.10.0.4:9090',
      '127.10.0.4',
      '127.10.0.4',
    ]);
    expect(groups.every((g) => g.targets.length === 1)).toBe(true);
  });

  it('carries the labels of kubernetes_sd role=pod', () => {
    expect(groups[0].labels).toEqual({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_pod_name: 'orders-7d9f-abcde',
      __meta_kubernetes_pod_ip: '127.10.0.4',
      __meta_kubernetes_pod_label_app: 'orders',
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_label_app_kubernetes_io_version: '1.2',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_version: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_node_name: 'sandbox',
      __meta_kubernetes_pod_host_ip: '127.0.0.1',
      __meta_kubernetes_pod_uid: 'uid-1',
      __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
      __meta_kubernetes_pod_controller_name: 'orders-7d9f',
      __meta_kubernetes_pod_container_name: 'app',
      __meta_kubernetes_pod_container_id: 'process://42',
      __meta_kubernetes_pod_container_image: 'homeostat/orders:dev',
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_container_port_name: 'http',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
    });
    expect(groups[1].labels.__meta_kubernetes_pod_container_port_protocol).toBe('TCP');
  });

  it('marks init containers and leaves port labels off port-less targets', () => {
    const init = groups.find((g) => g.labels.__meta_kubernetes_pod_container_name === 'migrate')!;
    expect(init.labels.__meta_kubernetes_pod_container_init).toBe('true');
    expect(init.labels).not.toHaveProperty('__meta_kubernetes_pod_container_port_number');
  });

  it('skips pods without an address and reports unknown readiness', () => {
    expect(podTargetGroups({ ...pod, status: { phase: 'Pending' } })).toEqual([]);
    const unknown = podTargetGroups({ ...pod, status: { ...pod.status, conditions: [] } });
    expect(unknown[0].labels.__meta_kubernetes_pod_ready).toBe('unknown');
  });
});

describe('sanitizeLabelName', () => {
  it('replaces everything outside [a-zA-Z0-9_]', () => {
    expect(sanitizeLabelName('app.kubernetes.io/name')).toBe('app_kubernetes_io_name');
    expect(sanitizeLabelName('a-b c')).toBe('a_b_c');
  });
});

describe('endpointsTargetGroups', () => {
  it('labels every address and port with service, endpoint and pod details', () => {
    const endpoints: V1Endpoints = {
      metadata: { name: 'orders', namespace: 'shop', labels: { app: 'orders' } },
      subsets: [
        {
          addresses: [
            {
              ip: '127.10.0.4',
              nodeName: 'sandbox',
              targetRef: { kind: 'Pod', name: 'orders-7d9f-abcde', namespace: 'shop' },
            },
          ],
          notReadyAddresses: [{ ip: '127.10.0.5' }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    };
    const service: V1Service = {
      metadata: { name: 'orders', namespace: 'shop', labels: { tier: 'backend' } },
    };
    const groups = endpointsTargetGroups(
      endpoints,
      (ns, name) => (ns === 'shop' && name === 'orders' ? service : undefined),
      (ns, name) => (ns === 'shop' && name === pod.metadata!.name ? pod : undefined),
    );
    expect(groups.map((g) => [g.targets[0], g.labels.__meta_kubernetes_endpoint_ready])).toEqual([
      ['127.10.0.4:8080', 'true'],
      ['127.10.0.5:8080', 'false'],
    ]);
    expect(groups[0].labels).toMatchObject({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_service_name: 'orders',
      __meta_kubernetes_service_label_tier: 'backend',
      __meta_kubernetes_endpoints_name: 'orders',
      __meta_kubernetes_endpoints_label_app: 'orders',
      __meta_kubernetes_endpoint_port_name: 'http',
      __meta_kubernetes_endpoint_port_protocol: 'TCP',
      __meta_kubernetes_endpoint_node_name: 'sandbox',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_endpoint_address_target_name: 'orders-7d9f-abcde',
      __meta_kubernetes_pod_name: 'orders-7d9f-abcde',
      __meta_kubernetes_pod_container_name: 'app',
      __meta_kubernetes_pod_container_port_name: 'http',
    });
    expect(groups[1].labels).not.toHaveProperty('__meta_kubernetes_pod_name');
  });
});
