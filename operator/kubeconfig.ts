// Which cluster the operator and the halt commands talk to: --kubeconfig when given, else
// client-node's loadFromDefault (KUBECONFIG, then the in-cluster service account, then
// ~/.kube/config), with a clear error when none of them names a cluster.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  const from = path
    ? `--kubeconfig ${path}`
    : process.env.KUBECONFIG
      ? `KUBECONFIG=${process.env.KUBECONFIG}`
      : 'the default kubeconfig';
  if (path && !existsSync(path)) throw new Error(`--kubeconfig: ${path} does not exist`);
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (err) {
    throw new Error(`cannot load ${from}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster())
    throw new Error(
      `no Kubernetes cluster to talk to in ${from}: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account`,
    );
  return kc;
}
