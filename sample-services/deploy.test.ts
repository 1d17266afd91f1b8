// deployFleet's input checks and manifest order; deploying into the sandbox is covered end to end
// by sample-services/test/chaos-proxy-sidecar.test.ts.
import { basename } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deployFleet, FLEET_SERVICES, manifestFiles } from './deploy.ts';

describe('deployFleet', () => {
  it('applies the namespace, Secrets and Services before any Deployment', () => {
    const files = manifestFiles().map((f) => basename(f));
    expect(files.slice(0, 3)).toEqual(['00-namespace.yaml', '01-secrets.yaml', '02-services.yaml']);
    expect(files.slice(3).sort()).toEqual(FLEET_SERVICES.map((s) => `${s}.yaml`).sort());
  });

  it('refuses services the fleet does not have, naming them, before touching the cluster', async () => {
    const kc = new KubeConfig();
    // Nothing listens here: reaching the cluster would fail differently.
    kc.loadFromOptions({
      clusters: [{ name: 'none', server: 'http://127.0.0.1:9' }],
      users: [{ name: 'none' }],
      contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
      currentContext: 'none',
    });
    await expect(deployFleet(kc, { services: ['catalog', 'billing'] })).rejects.toThrow(
      /unknown services billing \(known: gateway, users, catalog, orders, payments, notifications\)/,
    );
  });
});
