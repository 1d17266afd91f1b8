// The chaos engine as a separate process, for the crash test (kill -9 mid-experiment). Settings
// come from the environment; it prints "ready" once it leads.
import { KubeConfig } from '@kubernetes/client-node';
import { staticToken } from '../../chaos/engine/faults/index.ts';
import { parseChaosEngineOptions, startChaosEngine } from '../../chaos/index.ts';
import { silentLogger } from '../../kube/testing/sandbox.ts';
import { FAST } from './harness.ts';

const kc = new KubeConfig();
kc.loadFromFile(process.env.CHAOS_TEST_KUBECONFIG!);
const engine = await startChaosEngine(parseChaosEngineOptions({ ...FAST, clusterMaxExperiments: 50 }), {
  kubeConfig: kc,
  logger: silentLogger(),
  proxyToken: staticToken(process.env.CHAOS_TEST_TOKEN!),
});
const wait = setInterval(() => {
  if (engine.isLeader() && engine.caches.hasSynced()) {
    clearInterval(wait);
    process.stdout.write('ready\n');
  }
}, 20);
