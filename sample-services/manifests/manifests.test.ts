// The fleet's manifests: what `kubectl apply -f sample-services/manifests/` creates, and what the
// operator, chaos engine and Prometheus rely on (labels, annotations, probes, images).

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../lib/config.ts';

const DIR = import.meta.dirname;
const SERVICES = ['gateway', 'users', 'catalog', 'orders', 'payments', 'notifications'];

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
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http' }]);
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
  });
});
