// Runs the sandbox components on a worker thread: started from the kubeconfig the API server
// wrote, stopped on request, every failure reported to the parent instead of crashing it.
import { parentPort, workerData } from 'node:worker_threads';
import { KubeConfig } from '@kubernetes/client-node';
import { withConnectionReuse } from './apiserver/connection-reuse.ts';
import { type ComponentOptions, startComponents } from './components.ts';
import { sandboxLogger } from './sandbox-logger.ts';

export interface WorkerInput {
  kubeconfigYaml: string;
  options: ComponentOptions;
  logFile: string;
  logLevel: string;
}

export type WorkerMessage =
  | { type: 'started'; kubeletUrl?: string }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };

const input = workerData as WorkerInput;
const log = sandboxLogger(input.logFile, input.logLevel);
const kc = new KubeConfig();
kc.loadFromString(input.kubeconfigYaml);
withConnectionReuse(kc);
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

try {
  const running = await startComponents(kc, input.options, log);
  port.on('message', async (m: { type: string }) => {
    if (m.type !== 'stop') return;
    await running.stop();
    log.flush();
    post({ type: 'stopped' });
  });
  post({ type: 'started', kubeletUrl: running.kubeletUrl });
} catch (e) {
  post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
}
