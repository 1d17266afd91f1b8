import type { V1Container, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  buildContainerEnv,
  ContainerConfigError,
  type ContainerEnvInput,
  envReferences,
  expandArgv,
} from './container-env.ts';
import { serviceEnvVars, servicesVisibleTo } from './service-env.ts';
import { expandVars } from './var-expansion.ts';

const service = (namespace: string, name: string, clusterIP: string, ports: V1ServicePort[]): V1Service => ({
  metadata: { namespace, name },
  spec: { clusterIP, ports },
});

describe('serviceEnvVars', () => {
  it('writes the kubelet variables for every port, docker-link style included', () => {
    const vars = Object.fromEntries(
      serviceEnvVars([
        service('shop', 'order-api', '127.20.0.7', [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'grpc-web', port: 9090 },
        ]),
      ]),
    );
    expect(vars).toEqual({
      ORDER_API_SERVICE_HOST: '127.20.0.7',
      ORDER_API_SERVICE_PORT: '80',
      ORDER_API_SERVICE_PORT_HTTP: '80',
      ORDER_API_SERVICE_PORT_GRPC_WEB: '9090',
      ORDER_API_PORT: 'tcp://127.20.0.7:80',
      ORDER_API_PORT_80_TCP: 'tcp://127.20.0.7:80',
      ORDER_API_PORT_80_TCP_PROTO: 'tcp',
      ORDER_API_PORT_80_TCP_PORT: '80',
      ORDER_API_PORT_80_TCP_ADDR: '127.20.0.7',
      ORDER_API_PORT_9090_TCP: 'tcp://127.20.0.7:9090',
      ORDER_API_PORT_9090_TCP_PROTO: 'tcp',
      ORDER_API_PORT_9090_TCP_PORT: '9090',
      ORDER_API_PORT_9090_TCP_ADDR: '127.20.0.7',
    });
  });

  it('skips headless services and services without ports', () => {
    expect(
      serviceEnvVars([
        service('a', 'headless', 'None', [{ port: 80 }]),
        service('a', 'noports', '127.20.0.9', []),
      ]),
    ).toEqual([]);
  });

  it('uses the protocol of UDP ports', () => {
    const vars = Object.fromEntries(
      serviceEnvVars([service('a', 'dns', '127.20.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }])]),
    );
    expect(vars.DNS_PORT).toBe('udp://127.20.0.10:53');
    expect(vars.DNS_PORT_53_UDP_PROTO).toBe('udp');
  });
});

describe('servicesVisibleTo', () => {
  const all = [
    service('default', 'kubernetes', '127.20.0.1', [{ name: 'https', port: 443 }]),
    service('shop', 'orders', '127.20.0.2', [{ port: 80 }]),
    service('other', 'users', '127.20.0.3', [{ port: 80 }]),
    service('shop', 'headless', 'None', [{ port: 80 }]),
  ];
  it('gives a pod the services of its namespace and the master service', () => {
    expect(
      servicesVisibleTo('shop', true, all)
        .map((s) => s.metadata?.name)
        .sort(),
    ).toEqual(['kubernetes', 'orders']);
  });
  it('keeps only the master service when enableServiceLinks is false', () => {
    expect(servicesVisibleTo('shop', false, all).map((s) => s.metadata?.name)).toEqual(['kubernetes']);
  });
});

describe('expandVars', () => {
  const lookup = (name: string) => ({ VAR_A: 'A', VAR_B: 'B', EMPTY: '' })[name];
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_A)___', '___A___'],
    ['$(VAR_A)-$(VAR_B)', 'A-B'],
    ['$(EMPTY)x', 'x'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(VAR_A)', '$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['trailing $', 'trailing $'],
    ['$()', '$()'],
  ])('%s → %s', (input, output) => {
    expect(expandVars(input, lookup)).toBe(output);
  });
});

function pod(container: V1Container, extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: {
      name: 'orders-1',
      namespace: 'shop',
      uid: 'u-1',
      labels: { app: 'orders' },
      annotations: { team: 'core' },
    },
    spec: { nodeName: 'sandbox', serviceAccountName: 'default', containers: [container], ...extra },
  };
}

function input(container: V1Container, overrides: Partial<ContainerEnvInput> = {}): ContainerEnvInput {
  return {
    pod: pod(container),
    container,
    podIP: '127.10.0.5',
    hostIP: '127.0.0.1',
    services: [],
    sources: { configMaps: new Map(), secrets: new Map() },
    nodeAllocatable: { cpu: 2, memory: 8 * 2 ** 30, ephemeralStorage: 100 * 2 ** 30 },
    ...overrides,
  };
}

describe('buildContainerEnv', () => {
  it('gives the sandbox variables: POD_IP, HOST and PORT from the first container port', () => {
    const c: V1Container = { name: 'app', ports: [{ containerPort: 8080 }, { containerPort: 9090 }] };
    const { env } = buildContainerEnv(input(c));
    expect(env).toMatchObject({
      POD_IP: '127.10.0.5',
      HOST: '127.10.0.5',
      PORT: '8080',
      HOSTNAME: 'orders-1',
    });
  });

  it('resolves fieldRef paths', () => {
    const c: V1Container = {
      name: 'app',
      env: [
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      ],
    };
    expect(buildContainerEnv(input(c)).env).toMatchObject({
      NAME: 'orders-1',
      NS: 'shop',
      IP: '127.10.0.5',
      HOST_IP: '127.0.0.1',
      NODE: 'sandbox',
      APP: 'orders',
      TEAM: 'core',
      UID: 'u-1',
    });
  });

  it('rejects an unsupported fieldPath with a message naming it', () => {
    const c: V1Container = {
      name: 'app',
      env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }],
    };
    expect(() => buildContainerEnv(input(c))).toThrow('unsupported fieldRef fieldPath "spec.nope"');
  });

  it('reads ConfigMap and Secret keys, and errors like the kubelet when they are missing', () => {
    const c: V1Container = {
      name: 'app',
      env: [
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
      ],
    };
    const sources = {
      configMaps: new Map([
        ['cfg', { data: { level: 'debug' } }],
        ['absent', null],
      ]),
      secrets: new Map([['creds', { data: { password: Buffer.from('s3cret').toString('base64') } }]]),
    };
    const { env } = buildContainerEnv(input(c, { sources }));
    expect(env.LEVEL).toBe('debug');
    expect(env.PASSWORD).toBe('s3cret');
    expect(env).not.toHaveProperty('OPTIONAL');

    const missingKey: V1Container = {
      name: 'app',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }],
    };
    expect(() => buildContainerEnv(input(missingKey, { sources }))).toThrow(
      "couldn't find key nope in ConfigMap shop/cfg",
    );
    const missingSecret: V1Container = {
      name: 'app',
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }],
    };
    const err = (() => {
      try {
        buildContainerEnv(
          input(missingSecret, { sources: { configMaps: new Map(), secrets: new Map([['gone', null]]) } }),
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as ContainerConfigError).reason).toBe('CreateContainerConfigError');
    expect((err as Error).message).toBe('secret "gone" not found');
  });

  it('applies envFrom with prefixes, and env overrides envFrom', () => {
    const c: V1Container = {
      name: 'app',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' }, prefix: 'DB_' }],
      env: [{ name: 'LEVEL', value: 'warn' }],
    };
    const sources = {
      configMaps: new Map([['cfg', { data: { LEVEL: 'debug', MODE: 'fast', 'bad=name': 'x' } }]]),
      secrets: new Map([['creds', { data: { USER: Buffer.from('app').toString('base64') } }]]),
    };
    const { env } = buildContainerEnv(input(c, { sources }));
    expect(env).toMatchObject({ LEVEL: 'warn', MODE: 'fast', DB_USER: 'app' });
    expect(env).not.toHaveProperty('bad=name');
  });

  it('expands $(VAR) against earlier variables, service links and sandbox variables', () => {
    const c: V1Container = {
      name: 'app',
      ports: [{ containerPort: 8080 }],
      env: [
        { name: 'BASE', value: 'http://$(POD_IP):$(PORT)' },
        { name: 'URL', value: '$(BASE)/api' },
        { name: 'ORDERS', value: 'http://$(ORDERS_SERVICE_HOST):$(ORDERS_SERVICE_PORT)' },
        { name: 'LITERAL', value: '$$(BASE)' },
      ],
    };
    const services = [service('shop', 'orders', '127.20.0.2', [{ port: 80 }])];
    const { env, declared } = buildContainerEnv(input(c, { services }));
    expect(env.URL).toBe('http://127.10.0.5:8080/api');
    expect(env.ORDERS).toBe('http://127.20.0.2:80');
    expect(env.LITERAL).toBe('$(BASE)');
    expect(expandArgv(['--listen=$(BASE)', '$(PATH)'], declared)).toEqual([
      '--listen=http://127.10.0.5:8080',
      '$(PATH)',
    ]);
  });

  it('layers host env < image env < sandbox and service variables < pod env', () => {
    const c: V1Container = {
      name: 'app',
      ports: [{ containerPort: 8080 }],
      env: [{ name: 'PORT', value: '9999' }],
    };
    const { env } = buildContainerEnv(
      input(c, {
        baseEnv: { PATH: '/bin', MODE: 'host' },
        imageEnv: { MODE: 'image', NODE_ENV: 'production' },
      }),
    );
    expect(env).toMatchObject({ PATH: '/bin', MODE: 'image', NODE_ENV: 'production', PORT: '9999' });
  });

  it('computes resourceFieldRef with divisors and node allocatable for unset limits', () => {
    const c: V1Container = {
      name: 'app',
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'MEM_MB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      ],
    };
    expect(buildContainerEnv(input(c)).env).toMatchObject({
      MEM_MB: '256',
      CPU_LIMIT: '2',
      CPU_REQ_M: '250',
      CPU_REQ: '1',
    });
  });

  it('lists the ConfigMaps and Secrets to fetch', () => {
    const refs = envReferences({
      name: 'app',
      envFrom: [{ configMapRef: { name: 'a' } }, { secretRef: { name: 's1' } }],
      env: [
        { name: 'X', valueFrom: { configMapKeyRef: { name: 'b', key: 'k' } } },
        { name: 'Y', valueFrom: { secretKeyRef: { name: 's2', key: 'k' } } },
      ],
    });
    expect([...refs.configMaps]).toEqual(['a', 'b']);
    expect([...refs.secrets]).toEqual(['s1', 's2']);
  });
});
