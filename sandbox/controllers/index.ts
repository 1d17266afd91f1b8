// The sandbox's built-in controllers, started together against an API server: deployments,
// replica sets, the scheduler, endpoints and endpoint slices, disruption budgets, the garbage
// collector and the namespace controller. They share one set of informers and talk to the server
// only over HTTP through @kubernetes/client-node.

import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { Clients } from './clients.ts';
import type { Controller } from './controller.ts';
import { DeploymentController } from './deployment-controller.ts';
import { DisruptionController } from './disruption-controller.ts';
import { EndpointSliceController, EndpointsController } from './endpoints-controller.ts';
import { EventRecorder } from './events.ts';
import { GarbageCollector } from './garbage-collector.ts';
import type { ResilientInformer } from './informer.ts';
import { NamespaceController } from './namespace-controller.ts';
import { ReplicaSetController } from './replicaset-controller.ts';
import { SCHEDULER_NAME, Scheduler } from './scheduler.ts';

export interface StartControllersOptions {
  /** Workers per controller (default 2). */
  workers?: number;
  /** Full resync period of every controller (default 5 minutes; 0 disables). */
  resyncMs?: number;
  logger?: Logger;
  /** How long to wait for the initial lists before giving up (default 60 s). */
  syncTimeoutMs?: number;
}

export interface RunningControllers {
  /** The controllers' informer on all pods, for other components of the same thread to share. */
  readonly pods: ResilientInformer<V1Pod>;
  stop(): Promise<void>;
}

export async function startControllers(
  kc: KubeConfig,
  opts: StartControllersOptions = {},
): Promise<RunningControllers> {
  const workers = opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`workers must be a positive integer, got ${workers}`);
  const resyncMs = opts.resyncMs ?? 5 * 60_000;
  if (!(resyncMs >= 0)) throw new Error(`resyncMs must be >= 0, got ${resyncMs}`);
  const logger = opts.logger ?? pino({ name: 'sandbox-controllers', level: 'info' });
  const clients = new Clients(kc, logger);
  const recorder = new EventRecorder(clients.core, 'deployment-controller', logger);
  const rsRecorder = new EventRecorder(clients.core, 'replicaset-controller', logger);
  const schedRecorder = new EventRecorder(clients.core, SCHEDULER_NAME, logger);
  // kube-controller-manager's disruption controller reports as "controllermanager".
  const pdbRecorder = new EventRecorder(clients.core, 'controllermanager', logger);
  const base = { logger, workers, resyncMs };

  const deployments = new DeploymentController(clients, recorder, base);
  const replicaSets = new ReplicaSetController(clients, rsRecorder, base);
  // Binding is one small write per pod; kube-scheduler binds asynchronously, so should we.
  const scheduler = new Scheduler(clients, schedRecorder, { ...base, workers: Math.max(workers, 16) });
  const endpoints = new EndpointsController(clients, base);
  const slices = new EndpointSliceController(clients, base);
  const gc = new GarbageCollector(clients, base);
  const namespaces = new NamespaceController(clients, { ...base, discovery: gc.discovery });
  const disruption = new DisruptionController(clients, pdbRecorder, { ...base, discovery: gc.discovery });
  const controllers: Controller[] = [
    deployments.controller,
    replicaSets.controller,
    scheduler.controller,
    endpoints.controller,
    slices.controller,
    namespaces.controller,
    disruption.controller,
  ];

  const stop = async () => {
    await clients.informers.stop();
    await Promise.all([...controllers.map((c) => c.stop()), gc.stop()]);
    await Promise.all([recorder, rsRecorder, schedRecorder, pdbRecorder].map((r) => r.flush()));
  };

  try {
    await gc.init();
    clients.informers.start();
    await clients.informers.waitForSync(opts.syncTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  for (const c of controllers) c.start();
  gc.controller.start();
  logger.info({ workers, resyncMs }, 'sandbox controllers started');
  return { pods: clients.pods(), stop };
}

export { type ApiResource, DynamicClient } from './dynamic.ts';
export { computePodTemplateHash } from './hash.ts';
export { type EventHandlers, InformerFactory, objectKey, ResilientInformer, splitKey } from './informer.ts';
export { VIRTUAL_ANNOTATION, VIRTUAL_TAINT_KEY } from './scheduling.ts';
