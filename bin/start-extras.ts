// What `npm start` runs on top of the sandbox: the bundled fleet with a gentle background load,
// Homeostat's CRDs with the example policies for the fleet, and the operator (in this process,
// with leader election on the usual Lease, so an operator started elsewhere against the same
// sandbox does not act twice), the chaos engine with the fleet's scheduled demo experiments, and the
// dashboard, whose control token is printed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { parseChaosEngineOptions, type RunningChaosEngine, startChaosEngine } from '../chaos/index.ts';
import { crdManifests, parseResiliencePolicy } from '../crds/index.ts';
import { type RunningDashboard, startDashboard } from '../dashboard/server/index.ts';
import { errorMessage, isAlreadyExists, KubeClient } from '../kube/index.ts';
import { parseOperatorOptions, type RunningOperator, startOperator } from '../operator/index.ts';
import { deployFleet, FLEET_NAMESPACE } from '../sample-services/deploy.ts';
import { startBackgroundLoad } from '../sample-services/loadgen/index.ts';
import type { StartedExtras } from '../sandbox/cli.ts';
import type { Sandbox } from '../sandbox/index.ts';

/** Gentle enough for two cores, busy enough that dashboards and the predictor see traffic. */
const BACKGROUND_RPS = 5;
const OPERATOR_NAMESPACE = 'homeostat-system';
const EXAMPLES_DIR = join(import.meta.dirname, '../crds/examples');
const CHAOS_DEMO = join(import.meta.dirname, '../chaos/engine/examples/fleet-demo.yaml');
const DASHBOARD_PORT = 8090;

/** Creates the object, or replaces it (keeping its status) when it exists: idempotent across restarts. */
async function createOrReplace(client: KubeClient, collection: string, obj: any): Promise<void> {
  try {
    await client.request('POST', collection, { body: obj });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const path = `${collection}/${obj.metadata.name}`;
    const live = await client.request<any>('GET', path);
    await client.request('PUT', path, {
      body: { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } },
    });
  }
}

async function installCrds(client: KubeClient): Promise<void> {
  // Raw JSON: client-node's typed models would drop the schemas' x-kubernetes-* extensions.
  for (const crd of crdManifests())
    await createOrReplace(client, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await client.request<{ items: any[] }>(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    );
    const established = (c: any) =>
      c.status?.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True');
    if (
      crdManifests().every((m) =>
        list.items.some((c) => c.metadata.name === m.metadata.name && established(c)),
      )
    )
      return;
    if (Date.now() > deadline) throw new Error("Homeostat's CRDs were not established within 30 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The example ResiliencePolicies (crds/examples/*policy*.yaml), which target the fleet's Deployments. */
async function applyExamplePolicies(client: KubeClient, namespace: string): Promise<string[]> {
  const applied: string[] = [];
  for (const file of readdirSync(EXAMPLES_DIR)
    .filter((f) => /policy.*\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(EXAMPLES_DIR, file), 'utf8'))) {
      const obj = doc.toJS();
      if (obj?.kind !== 'ResiliencePolicy') continue;
      const parsed = parseResiliencePolicy(obj);
      if (!parsed.ok)
        throw new Error(`crds/examples/${file} is not a valid ResiliencePolicy:\n${parsed.message}`);
      obj.metadata.namespace = namespace;
      await createOrReplace(
        client,
        `/apis/homeostat.dev/v1alpha1/namespaces/${namespace}/resiliencepolicies`,
        obj,
      );
      applied.push(
        `${namespace}/${obj.metadata.name} (${parsed.value.spec.mode}, target ${parsed.value.spec.targetRef.name})`,
      );
    }
  }
  return applied;
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name } } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** The operator on the sandbox, on the chart's ports when they are free, else on any. */
async function runOperator(sandbox: Sandbox, dataDir: string): Promise<RunningOperator> {
  const logFile = join(dataDir, 'operator.log');
  const logger = pino(
    { level: 'info', base: { component: 'operator' } },
    pino.destination({ dest: logFile, mkdir: true, sync: false }),
  );
  const options = (ports: { metricsPort: number; healthPort: number }) =>
    parseOperatorOptions({
      namespace: OPERATOR_NAMESPACE,
      host: '127.0.0.1',
      ...ports,
      decisionLogDir: join(dataDir, 'operator', 'decisions'),
      // The sandbox's Prometheus scrapes every 5 s; without it the operator scrapes the pods itself.
      ...(sandbox.prometheusUrl
        ? { prometheusUrl: sandbox.prometheusUrl, prometheusScrapeInterval: '5s' }
        : sandbox.kubeletUrl
          ? { cadvisorUrl: `${sandbox.kubeletUrl}/metrics/cadvisor` }
          : {}),
      logLevel: 'info',
    });
  const kubeConfig = sandbox.kubeConfig();
  try {
    return await startOperator(options({ metricsPort: 8080, healthPort: 8081 }), { kubeConfig, logger });
  } catch (err) {
    if (!/port is in use/.test(errorMessage(err))) throw err;
    return startOperator(options({ metricsPort: 0, healthPort: 0 }), { kubeConfig, logger });
  }
}

/** The scheduled demo experiments (latency on payments, a pod kill on orders, every five minutes). */
async function applyDemoExperiments(client: KubeClient): Promise<string[]> {
  const applied: string[] = [];
  for (const doc of parseAllDocuments(readFileSync(CHAOS_DEMO, 'utf8'))) {
    const obj = doc.toJS();
    if (obj?.kind !== 'ChaosExperiment') continue;
    const ns = obj.metadata.namespace ?? FLEET_NAMESPACE;
    await createOrReplace(client, `/apis/homeostat.dev/v1alpha1/namespaces/${ns}/chaosexperiments`, obj);
    applied.push(`${ns}/${obj.metadata.name} (${obj.spec.fault.kind}, cron "${obj.spec.schedule?.cron}")`);
  }
  return applied;
}

async function runChaosEngine(sandbox: Sandbox, dataDir: string): Promise<RunningChaosEngine> {
  const logger = pino(
    { level: 'info', base: { component: 'chaos-engine' } },
    pino.destination({ dest: join(dataDir, 'chaos.log'), mkdir: true, sync: false }),
  );
  return startChaosEngine(
    parseChaosEngineOptions({
      namespace: OPERATOR_NAMESPACE,
      ...(sandbox.prometheusUrl ? { prometheusUrl: sandbox.prometheusUrl } : {}),
      logLevel: 'info',
    }),
    { kubeConfig: sandbox.kubeConfig(), logger },
  );
}

/** The dashboard on its usual port when it is free, else on any. */
async function runDashboard(
  sandbox: Sandbox,
  dataDir: string,
  operator: RunningOperator,
): Promise<RunningDashboard> {
  const logger = pino(
    { level: 'info', base: { component: 'dashboard' } },
    pino.destination({ dest: join(dataDir, 'dashboard.log'), mkdir: true, sync: false }),
  );
  const deps = {
    kubeConfig: sandbox.kubeConfig(),
    bus: operator.bus,
    decisions: () => operator.decisionLog(),
    logger,
  };
  const options = (port: number) => ({
    host: '127.0.0.1',
    port,
    namespace: OPERATOR_NAMESPACE,
    controlLogFile: join(dataDir, 'dashboard', 'controls.jsonl'),
  });
  try {
    return await startDashboard(options(DASHBOARD_PORT), deps);
  } catch (err) {
    if (!/EADDRINUSE|in use/i.test(errorMessage(err))) throw err;
    return startDashboard(options(0), deps);
  }
}

export async function startExtras(ctx: {
  sandbox: Sandbox;
  dataDir: string;
  fleet: boolean;
}): Promise<StartedExtras | undefined> {
  const banner: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  const client = new KubeClient(ctx.sandbox.kubeConfig(), { qps: 50, burst: 100 });
  try {
    let policies: string[] = [];
    if (ctx.fleet) {
      process.stdout.write('Deploying the fleet (homeostat-demo namespace)... ');
      const fleet = await deployFleet(ctx.sandbox.kubeConfig(), { dataDir: join(ctx.dataDir, 'fleet') });
      console.log('ready.');
      const abort = new AbortController();
      const load = startBackgroundLoad({
        gatewayUrl: fleet.gatewayUrl,
        rps: BACKGROUND_RPS,
        signal: abort.signal,
      });
      stops.push(async () => {
        abort.abort();
        await load.done;
      });
      banner.push(
        `  fleet:       namespace ${fleet.namespace}, gateway ${fleet.gatewayUrl}`,
        `  load:        ${BACKGROUND_RPS} requests/s of user journeys in the background (homeostat loadgen for more)`,
      );
      process.stdout.write('Installing the CRDs and the example policies... ');
      await installCrds(client);
      policies = await applyExamplePolicies(client, FLEET_NAMESPACE);
      console.log('done.');
      banner.push(...policies.map((p, i) => `${i === 0 ? '  policies:    ' : '               '}${p}`));
      banner.push(
        '',
        'Place an order through the gateway:',
        `  TOKEN=$(curl -s -X POST ${fleet.gatewayUrl}/api/v1/auth/register -H 'content-type: application/json' \\`,
        `      -d '{"email":"you@example.com","password":"correct horse battery","name":"You"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
        `  curl -s ${fleet.gatewayUrl}/api/v1/products -H "authorization: Bearer $TOKEN"`,
      );
    } else {
      await installCrds(client);
    }
    await ensureNamespace(client, OPERATOR_NAMESPACE);
    const operator = await runOperator(ctx.sandbox, ctx.dataDir);
    stops.unshift(() => operator.stop());
    const chaos = await runChaosEngine(ctx.sandbox, ctx.dataDir);
    stops.unshift(() => chaos.stop());
    const experiments = ctx.fleet ? await applyDemoExperiments(client) : [];
    const dashboard = await runDashboard(ctx.sandbox, ctx.dataDir, operator);
    stops.unshift(() => dashboard.stop());
    banner.splice(
      ctx.fleet ? 2 : 0,
      0,
      `  dashboard:   ${dashboard.url}#token=${dashboard.token}`,
      '               (the token allows halt, pause and experiments; without it the page is read-only)',
      `  operator:    metrics ${operator.metricsUrl}/metrics, health ${operator.healthUrl}/healthz`,
      `               log ${join(ctx.dataDir, 'operator.log')}; halt with: homeostat halt --namespace ${OPERATOR_NAMESPACE} --reason "..."`,
      `  chaos:       log ${join(ctx.dataDir, 'chaos.log')}; homeostat chaos list -A, homeostat chaos plan -f exp.yaml`,
      ...experiments.map((e, i) => `${i === 0 ? '  experiments: ' : '               '}${e}`),
    );
    banner.push(
      '',
      'Watch the operator:',
      '  kubectl get resiliencepolicies -A',
      '  kubectl describe resiliencepolicy -n homeostat-demo orders',
    );
  } catch (err) {
    for (const stop of stops) await stop().catch(() => undefined);
    client.close();
    throw err;
  }
  client.close();
  return {
    banner,
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
