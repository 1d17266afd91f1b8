// Runs the same conformance cases against a real cluster when HOMEOSTAT_TEST_KUBECONFIG names one.
import { KubeConfig } from '@kubernetes/client-node';
import { describe, it } from 'vitest';
import { conformanceSuite } from './cases.ts';

const kubeconfig = process.env.HOMEOSTAT_TEST_KUBECONFIG;
if (kubeconfig) {
  conformanceSuite('real cluster', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    return { name: 'cluster', kc, controllers: true, async stop() {} };
  });
} else {
  describe('Kubernetes API conformance: real cluster', () => {
    // Skipped because no cluster can run on these machines (no Docker engine, no kube-apiserver);
    // the sandbox runs the same cases in sandbox.test.ts. Set HOMEOSTAT_TEST_KUBECONFIG to run them.
    it.skip('runs when HOMEOSTAT_TEST_KUBECONFIG points at a cluster', () => {});
  });
}
