// The dashboard end to end: a sandbox with the operator, the dashboard on the operator's bus, the
// web app built from source, and headless Chromium. Screenshots go to test/dashboard/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningChaosEngine, readHalt } from '../../chaos/index.ts';
import { type RunningDashboard, startDashboard } from '../../dashboard/server/index.ts';
import { KubeClient } from '../../kube/index.ts';
import { decision } from '../../operator/decisions/fixtures.ts';
import type { RunningOperator } from '../../operator/index.ts';
import {
  createExperiment,
  createProxiedPod,
  type ProxiedPod,
  startEngine,
  waitPhase,
} from '../chaos/harness.ts';
import { startTestOperator } from '../operator/harness.ts';
import { chromiumAvailable, launchChromium } from './browser.ts';
import { eventually, OPERATOR_NAMESPACE, SHOP, startShop, type TestCluster } from './cluster.ts';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const ROOT = join(import.meta.dirname, '..', '..');

let cluster: TestCluster;
let operator: RunningOperator;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
let client: KubeClient;
let engine: RunningChaosEngine | undefined;
let inventory: ProxiedPod | undefined;

async function shot(name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const attr = (name: string) => page.getAttribute('#connection', name);

describe.skipIf(!chromiumAvailable())('the dashboard in a browser', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    cluster = await startShop();
    client = new KubeClient(cluster.kc);
    const webRoot = join(cluster.dir, 'web');
    await build({
      configFile: join(ROOT, 'dashboard', 'web', 'vite.config.ts'),
      build: { outDir: webRoot, emptyOutDir: true },
      logLevel: 'silent',
    });
    operator = await startTestOperator(cluster);
    dashboard = await startDashboard(
      { host: '127.0.0.1', port: 0, namespace: OPERATOR_NAMESPACE, webRoot, heartbeatMs: 2000 },
      { kubeConfig: cluster.kc, bus: operator.bus, logger: pino({ level: 'silent' }) },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // A CSP violation shows up as a console error: the page must need nothing the policy forbids.
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    (globalThis as { pageErrors?: string[] }).pageErrors = errors;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
    await inventory?.close();
    await dashboard?.stop();
    await operator?.stop();
    client?.close();
    await cluster?.stop();
  });

  it('loads the fleet, the experiments and the policies', async () => {
    await page.goto(`${dashboard.url}#token=${dashboard.token}`);
    await page.waitForSelector('#connection[data-state="live"]');
    // The token left the address bar once it was read.
    expect(page.url()).not.toContain('token=');
    await page.waitForSelector(`#topology [data-service="${SHOP}/gateway"]`);
    await page.waitForSelector(`#experiments [data-experiment="${SHOP}/payments-latency"]`);
    await page.waitForSelector(`#policies [data-policy="${SHOP}/orders"]`);
    expect(await page.textContent('.access')).toBe('controls enabled');
    await shot('loaded');
    expect((globalThis as { pageErrors?: string[] }).pageErrors).toEqual([]);
  });

  it('shows live updates', async () => {
    await client.request('PATCH', `/apis/apps/v1/namespaces/${SHOP}/deployments/payments`, {
      body: { spec: { replicas: 4 } },
    });
    await page
      .locator(`#topology [data-service="${SHOP}/payments"]`)
      .filter({ hasText: '4/4 ready' })
      .waitFor({ timeout: 30_000 });
    operator.bus.publish('decision', {
      logSeq: 1,
      decision: decision({ id: 'e2e-live', namespace: SHOP, outcome: 'Blocked', reason: 'Cooldown' }),
    });
    await page.waitForSelector('#timeline [data-key="d:e2e-live"]');
    await shot('live');
    await page.click('#timeline [data-key="d:e2e-live"]');
    await page.waitForSelector('#decision-modal');
    expect(await page.textContent('#decision-modal')).toContain('e2e-live');
    await shot('decision');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#decision-modal', { state: 'detached' });
  });

  it('halts with the halt button: a running experiment stops and its faults are gone; then resumes', async () => {
    // A real fault: the chaos engine in this process, a latency fault on a pod's fault proxy.
    inventory = await createProxiedPod(cluster, SHOP, 'inventory-0', 'inventory');
    engine = await startEngine(cluster);
    const faults = () => inventory!.proxy.faults.active().filter((f) => f.id.startsWith('hx-'));
    await createExperiment(cluster, SHOP, {
      metadata: { name: 'inventory-latency' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'inventory' } } },
        mode: 'One',
        fault: { kind: 'Latency', latency: { latencyMs: 300, jitterMs: 0, percent: 100 } },
        duration: '10m',
      },
    });
    expect((await waitPhase(cluster, SHOP, 'inventory-latency', ['Running', 'Failed'], 30_000)).phase).toBe(
      'Running',
    );
    expect(faults()).toHaveLength(1);
    const row = `#experiments [data-experiment="${SHOP}/inventory-latency"]`;
    await page.waitForSelector(`${row}[data-phase="Running"]`, { timeout: 20_000 });
    await page.waitForSelector('#timeline [data-kind="fault"]', { timeout: 20_000 });
    await shot('experiment-running');

    await page.click('#halt-button');
    await page.fill('#halt-form input[name="reason"]', 'e2e incident');
    await page.click('#halt-confirm');
    await eventually(
      async () => (await readHalt(client, OPERATOR_NAMESPACE)).halted,
      10_000,
      'the halt ConfigMap',
    );
    expect(await readHalt(client, OPERATOR_NAMESPACE)).toMatchObject({
      reason: 'e2e incident',
      by: 'on-call (dashboard)',
    });
    await page.waitForSelector('#halt-banner');
    await page.waitForSelector('#timeline [data-kind="control"]');
    // The engine stops the experiment (Aborted, reason Halted) and removes its fault from the proxy.
    const stopped = await waitPhase(cluster, SHOP, 'inventory-latency', ['Aborted'], 30_000);
    expect(stopped.message).toMatch(/Halted.*e2e incident/);
    expect(stopped.targets?.[0]?.recoveredAt).toBeDefined();
    expect(faults()).toEqual([]);
    await page.waitForSelector(`${row}[data-phase="Aborted"]`, { timeout: 20_000 });
    await page.waitForSelector('#timeline [data-kind="recovery"]', { timeout: 20_000 });
    await shot('halted');

    await page.click('#halt-button');
    await page.click('#halt-confirm');
    await eventually(
      async () => !(await readHalt(client, OPERATOR_NAMESPACE)).halted,
      10_000,
      'the halt lifted',
    );
    await page.waitForSelector('#halt-banner', { state: 'detached' });
    // An experiment stopped by the halt stays stopped: resuming does not re-inject it.
    expect(faults()).toEqual([]);
  });

  it('reconnects after a dropped connection and shows exactly the missed events', async () => {
    await page.waitForSelector('#connection[data-state="live"]');
    const snapshotsBefore = await attr('data-snapshots');
    dashboard.disconnectFeedClients();
    const missed = ['e2e-missed-1', 'e2e-missed-2', 'e2e-missed-3'];
    for (const id of missed)
      operator.bus.publish('decision', {
        logSeq: 1,
        decision: decision({ id, namespace: SHOP, message: `missed ${id}` }),
      });
    await page
      .waitForSelector('#connection[data-state="reconnecting"]', { timeout: 5000 })
      .catch(() => undefined);
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 20_000 });
    for (const id of missed) await page.waitForSelector(`#timeline [data-key="d:${id}"]`);
    const last = operator.bus.lastSeq;
    await eventually(
      async () => Number(await attr('data-seq')) >= last,
      10_000,
      'the page to reach the last seq',
    );
    // Resumed, not re-snapshotted, and each missed decision shown once.
    expect(await attr('data-snapshots')).toBe(snapshotsBefore);
    for (const id of missed) expect(await page.locator(`#timeline [data-key="d:${id}"]`).count()).toBe(1);
    await shot('resumed');
  });
});
