// The fleet's manifests: what `kubectl apply -f sample-services/manifests/` creates, and what the
// operator, chaos engine and Prometheus rely on (labels, annotations, probes, images).

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig as loadProxyConfig } from '../../chaos/proxy/index.ts';
import { loadConfig } from '../lib/config.ts';

const DIR = import.meta.dirname;
const SERVICES = ['gateway', 'users', 'catalog', 'orders', 'payments', 'notifications'];
const CHAOS_PROXY_PORT = 15080;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any;
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const objects: Array<K8sObject & { file: string }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => ({
    ...(doc.toJS() as K8sObject),
    file,
  })),
);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('fleet manifests', () => {
  it('create a chaos-enabled namespace first, and every Service before any Deployment', () => {
    expect(objects[0]).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'homeostat-demo', annotations: { 'homeostat.dev/chaos-enabled': 'true' } },
    });
    const lastService = objects.findLastIndex((o) => o.kind === 'Service');
    const firstDeployment = objects.findIndex((o) => o.kind === 'Deployment');
    expect(lastService).toBeLessThan(firstDeployment);
    for (const o of objects.slice(1)) expect(o.metadata.namespace).toBe('homeostat-demo');
  });

  it.each(SERVICES)(
    '%s: a scrapeable, probed Deployment of homeostat/%s:dev behind a Service on 8080',
    (name) => {
      const deployment = find('Deployment', name)!;
      const service = find('Service', name)!;
      const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'homeostat-fleet' };
      expect(deployment.metadata.labels).toMatchObject(labels);
      expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
      const pod = deployment.spec.template;
      expect(pod.metadata.labels).toMatchObject(labels);
      expect(pod.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '8080',
      });
      const [container] = pod.spec.containers;
      expect(container.image).toBe(`homeostat/${name}:dev`);
      expect(container.ports[0].containerPort).toBe(8080);
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.resources.limits.memory).toBeDefined();

      const env = Object.fromEntries(
        container.env
          .filter((e: { value?: string }) => e.value !== undefined)
          .map((e: any) => [e.name, e.value]),
      );
      // The capacity settings are valid configuration for the shared library.
      const config = loadConfig({}, env);
      expect(config.CAPACITY_CONCURRENCY).toBeGreaterThan(0);
      expect(config.SHUTDOWN_DELAY_MS + config.DRAIN_TIMEOUT_MS).toBeLessThan(
        pod.spec.terminationGracePeriodSeconds * 1000,
      );
      for (const e of container.env.filter((x: any) => x.valueFrom && !x.valueFrom.secretKeyRef.optional)) {
        const secret = find('Secret', e.valueFrom.secretKeyRef.name) as any;
        expect(secret.stringData[e.valueFrom.secretKeyRef.key]).toBeTruthy();
      }
      // PostgreSQL when the operator created the database Secret; SQLite (and a running pod) without it.
      expect(container.env.find((e: { name: string }) => e.name === 'DATABASE_URL')).toEqual({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'fleet-database', key: 'url', optional: true } },
      });
      expect(find('Secret', 'fleet-database')).toBeUndefined();

      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': name });
      // The Service sends to the chaos proxy sidecar, not to the app.
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: CHAOS_PROXY_PORT }]);
    },
  );

  it.each(SERVICES)(
    '%s: the chaos proxy runs as a native sidecar in front of the app, with its admin token',
    (name) => {
      const pod = find('Deployment', name)!.spec.template.spec;
      expect(pod.initContainers).toHaveLength(1);
      const [proxy] = pod.initContainers;
      const [app] = pod.containers;
      expect(proxy).toMatchObject({
        name: 'chaos-proxy',
        image: 'homeostat/chaos-proxy:dev',
        restartPolicy: 'Always',
      });
      expect(proxy.ports).toEqual([
        { name: 'chaos-proxy', containerPort: CHAOS_PROXY_PORT },
        { name: 'chaos-admin', containerPort: 15090 },
      ]);
      const env = Object.fromEntries(proxy.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
      expect(env.POD_IP).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
      expect(env.CHAOS_PROXY_UPSTREAM_PORT).toBe(String(app.ports[0].containerPort));
      for (const host of ['LISTEN', 'ADMIN', 'UPSTREAM'])
        expect(env[`CHAOS_PROXY_${host}_HOST`]).toBe('$(POD_IP)');
      expect(env.CHAOS_PROXY_ADMIN_TOKEN).toEqual({
        secretKeyRef: { name: 'chaos-proxy-token', key: 'token' },
      });
      const secret = find('Secret', 'chaos-proxy-token') as any;
      expect(secret.stringData.token.length).toBeGreaterThanOrEqual(16);

      // The variables are valid proxy configuration once the kubelet has expanded them.
      const expanded = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          v === '$(POD_IP)' ? '127.10.0.9' : typeof v === 'string' ? v : undefined,
        ]),
      );
      expanded.CHAOS_PROXY_ADMIN_TOKEN = secret.stringData.token;
      const config = loadProxyConfig(expanded as NodeJS.ProcessEnv);
      expect(config).toMatchObject({
        listenPort: CHAOS_PROXY_PORT,
        adminPort: 15090,
        upstreamHost: '127.10.0.9',
      });

      // Readiness: the pod is Ready only when the app is (its own probe) and the proxy answers.
      expect(app.readinessProbe.httpGet.port).toBe('http');
      expect(proxy.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'chaos-admin' });
      expect(proxy.resources.limits.memory).toBeDefined();
      // The app's port stays its first: the kubelet gives it as PORT and Prometheus scrapes it there.
      expect(pod.containers).toHaveLength(1);
    },
  );

  it('name only images the sandbox image registry knows', () => {
    const registry = parseYaml(readFileSync(resolve(DIR, '../../sandbox/images.yaml'), 'utf8')) as {
      images: Record<string, { command: string[]; cwd: string }>;
    };
    for (const name of SERVICES) {
      expect(registry.images[`homeostat/${name}:dev`]).toEqual({
        command: ['node', '--import', 'tsx', `sample-services/${name}/main.ts`],
        cwd: '..',
      });
    }
    expect(registry.images['homeostat/chaos-proxy']).toEqual({
      command: ['node', '--import', 'tsx', 'chaos/proxy/main.ts'],
      cwd: '..',
    });
  });
});
