import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHalt } from '../../chaos/index.ts';
import { KubeClient } from '../../kube/index.ts';
import { decision, T0, tempDir } from '../../operator/decisions/fixtures.ts';
import { DecisionLog, EventBus, isControlView } from '../../operator/decisions/index.ts';
import {
  EXPERIMENT,
  eventually,
  OPERATOR_NAMESPACE,
  SHOP,
  startShop,
  type TestCluster,
} from '../../test/dashboard/cluster.ts';
import {
  ABORT_ANNOTATION,
  PAUSED_FROM_MODE_ANNOTATION,
  type RunningDashboard,
  startDashboard,
} from './index.ts';

const TOKEN = 'control-token-for-tests-0123456789';
let cluster: TestCluster;
let dashboard: RunningDashboard;
let log: DecisionLog;
let client: KubeClient;
let tmp: ReturnType<typeof tempDir>;

async function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, dashboard.url), {
    ...init,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text,
  };
}

const customPath = (plural: string, name: string) =>
  `/apis/homeostat.dev/v1alpha1/namespaces/${SHOP}/${plural}/${name}`;

beforeAll(async () => {
  cluster = await startShop();
  tmp = tempDir('dashboard-api');
  log = await DecisionLog.open({ dir: join(tmp.dir, 'log'), logger: pino({ level: 'silent' }) });
  await log.appendDecision(decision({ id: 'd1', timeMs: T0, outcome: 'Applied', namespace: SHOP }));
  await log.appendDecision(
    decision({ id: 'd2', timeMs: T0 + 1000, outcome: 'Blocked', reason: 'Cooldown', namespace: SHOP }),
  );
  await log.appendDecision(decision({ id: 'd3', timeMs: T0 + 2000, outcome: 'Applied', namespace: SHOP }));
  const web = join(tmp.dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Homeostat</title>');
  client = new KubeClient(cluster.kc);
  dashboard = await startDashboard(
    {
      host: '127.0.0.1',
      port: 0,
      namespace: OPERATOR_NAMESPACE,
      token: TOKEN,
      webRoot: web,
      controlLogFile: join(tmp.dir, 'controls.jsonl'),
    },
    { kubeConfig: cluster.kc, bus: new EventBus(), decisions: log, logger: pino({ level: 'silent' }) },
  );
}, 60_000);

afterAll(async () => {
  await dashboard?.stop();
  await log?.close();
  client?.close();
  await cluster?.stop();
  tmp?.remove();
});

describe('reading', () => {
  it('serves the web app with security headers and a CSP', async () => {
    const r = await api('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('Homeostat');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('lists policies, experiments and the fleet with its call graph', async () => {
    const policies = await api('/api/v1/policies');
    expect(policies.body.map((p: { name: string }) => p.name)).toEqual(['orders']);
    expect(policies.body[0].spec.mode).toBe('Enforce');
    const experiments = await api('/api/v1/experiments');
    expect(experiments.body.map((p: { name: string }) => p.name)).toContain('payments-latency');
    const fleet = await eventually(
      async () => {
        const f = (await api('/api/v1/fleet')).body;
        return f.services.length === 3 &&
          f.services.every((s: { readyReplicas: number }) => s.readyReplicas === 2)
          ? f
          : undefined;
      },
      20_000,
      'the fleet with ready replicas',
    );
    const gateway = fleet.services.find((s: { name: string }) => s.name === 'gateway');
    expect(gateway).toMatchObject({ namespace: SHOP, replicas: 2, calls: ['users', 'catalog', 'orders'] });
    const orders = fleet.services.find((s: { name: string }) => s.name === 'orders');
    expect(orders.policy).toMatchObject({ name: 'orders', mode: 'Enforce' });
    expect((await api('/api/v1/policies/shop/nope')).status).toBe(404);
  });

  it('queries decisions with filters and pages', async () => {
    const applied = await api('/api/v1/decisions?outcome=Applied');
    expect(applied.body.items.map((v: { decision: { id: string } }) => v.decision.id)).toEqual(['d3', 'd1']);
    const first = await api('/api/v1/decisions?limit=2&order=oldest');
    expect(first.body.items.map((v: { decision: { id: string } }) => v.decision.id)).toEqual(['d1', 'd2']);
    const second = await api(`/api/v1/decisions?limit=2&order=oldest&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((v: { decision: { id: string } }) => v.decision.id)).toEqual(['d3']);
    expect(second.body.nextCursor).toBeUndefined();
    const text = await api('/api/v1/decisions?text=cooldown');
    expect(text.body.items.map((v: { decision: { id: string } }) => v.decision.id)).toEqual(['d2']);
    expect((await api('/api/v1/decisions/d2')).body.decision.reason).toBe('Cooldown');
  });

  it('refuses bad paging parameters and unknown filters by name', async () => {
    const big = await api('/api/v1/decisions?limit=5000');
    expect(big.status).toBe(400);
    expect(big.body.error.message).toContain('limit');
    const unknown = await api('/api/v1/decisions?colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('colour');
    expect((await api('/api/v1/decisions/nope')).status).toBe(404);
    expect((await api('/api/v1/nothing-here')).status).toBe(404);
  });
});

describe('controls', () => {
  it('need the control token', async () => {
    const none = await api('/api/v1/halt', { method: 'POST', json: { reason: 'x' } });
    expect(none.status).toBe(401);
    const wrong = await api('/api/v1/halt', {
      method: 'POST',
      json: { reason: 'x' },
      token: 'not-the-token-0123456789',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toContain('not valid');
    // Reading with a wrong token is refused too: a typo must not look like success.
    expect((await api('/api/v1/policies', { token: 'not-the-token-0123456789' })).status).toBe(401);
    expect((await readHalt(client, OPERATOR_NAMESPACE)).halted).toBe(false);
  });

  it('refuse unknown fields, malformed JSON and oversized bodies', async () => {
    const unknown = await api('/api/v1/halt', {
      method: 'POST',
      json: { reason: 'x', force: true },
      token: TOKEN,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('force');
    const missing = await api('/api/v1/halt', { method: 'POST', json: {}, token: TOKEN });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('reason');
    const malformed = await api('/api/v1/halt', {
      method: 'POST',
      body: '{"reason":',
      headers: { 'content-type': 'application/json' },
      token: TOKEN,
    });
    expect(malformed.status).toBe(400);
    const huge = await api('/api/v1/halt', {
      method: 'POST',
      json: { reason: 'x'.repeat(100_000) },
      token: TOKEN,
    });
    expect(huge.status).toBe(413);
  });

  it('halt and resume, each recorded with who did it', async () => {
    const halted = await api('/api/v1/halt', {
      method: 'POST',
      json: { reason: 'incident 42', by: 'alice' },
      token: TOKEN,
    });
    expect(halted.status).toBe(200);
    expect(await readHalt(client, OPERATOR_NAMESPACE)).toMatchObject({
      halted: true,
      reason: 'incident 42',
      by: 'alice (dashboard)',
    });
    await eventually(
      async () => (await api('/api/v1/halt')).body.halted === true,
      10_000,
      'the halt to be seen',
    );
    const resumed = await api('/api/v1/resume', { method: 'POST', json: { by: 'bob' }, token: TOKEN });
    expect(resumed.status).toBe(200);
    expect((await readHalt(client, OPERATOR_NAMESPACE)).halted).toBe(false);
    const controls = (await api('/api/v1/controls')).body as {
      action: string;
      by: string;
      outcome: string;
    }[];
    expect(controls.slice(0, 2).map((c) => [c.action, c.by, c.outcome])).toEqual([
      ['Resume', 'bob (dashboard)', 'Applied'],
      ['Halt', 'alice (dashboard)', 'Applied'],
    ]);
  });

  it('land in the decision log with who did it, listed by kind and actor', async () => {
    const halted = await api('/api/v1/halt', {
      method: 'POST',
      json: { reason: 'incident 43', by: 'dave' },
      token: TOKEN,
    });
    expect(halted.status).toBe(200);
    await api('/api/v1/resume', { method: 'POST', json: { by: 'dave' }, token: TOKEN });
    // In the log itself (durable before the request answered), beside the decisions.
    const page = await log.query({ kind: 'control', by: 'dave (dashboard)', order: 'oldest' });
    const logged = page.items.filter(isControlView);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      control: {
        action: 'Halt',
        by: 'dave (dashboard)',
        reason: 'incident 43',
        outcome: 'Applied',
        target: { kind: 'ConfigMap', namespace: OPERATOR_NAMESPACE },
      },
    });
    expect(logged[0].seq).toBeGreaterThan(3);
    // And through the REST listing, newest first, merged with decisions when both kinds are asked.
    const listed = await api(`/api/v1/decisions?kind=control&by=${encodeURIComponent('dave (dashboard)')}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((v: { control: { action: string } }) => v.control.action)).toEqual([
      'Resume',
      'Halt',
    ]);
    const both = await api('/api/v1/decisions?kind=decision,control&order=oldest&limit=4');
    expect(
      both.body.items.map((v: { decision?: { id: string }; control?: { action: string } }) =>
        v.decision ? v.decision.id : v.control?.action,
      ),
    ).toEqual(['d1', 'd2', 'd3', 'Halt']);
    const one = await api(`/api/v1/decisions/${logged[0].control.id}`);
    expect(one.body.control.by).toBe('dave (dashboard)');
    const bad = await api('/api/v1/decisions?kind=everything');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('kind');
  });

  it('pause a policy (DryRun, previous mode kept) and resume it', async () => {
    const paused = await api('/api/v1/policies/shop/orders/pause', {
      method: 'POST',
      json: { reason: 'investigating' },
      token: TOKEN,
    });
    expect(paused.status).toBe(200);
    const p = await client.request<{
      spec: { mode: string };
      metadata: { annotations: Record<string, string> };
    }>('GET', customPath('resiliencepolicies', 'orders'));
    expect(p.spec.mode).toBe('DryRun');
    expect(p.metadata.annotations[PAUSED_FROM_MODE_ANNOTATION]).toBe('Enforce');
    const again = await api('/api/v1/policies/shop/orders/pause', {
      method: 'POST',
      json: { reason: 'x' },
      token: TOKEN,
    });
    expect(again.status).toBe(409);
    expect(
      (await api('/api/v1/policies/shop/orders/resume', { method: 'POST', json: {}, token: TOKEN })).status,
    ).toBe(200);
    const q = await client.request<{
      spec: { mode: string };
      metadata: { annotations?: Record<string, string> };
    }>('GET', customPath('resiliencepolicies', 'orders'));
    expect(q.spec.mode).toBe('Enforce');
    expect(q.metadata.annotations?.[PAUSED_FROM_MODE_ANNOTATION]).toBeUndefined();
    expect(
      (
        await api('/api/v1/policies/shop/missing/pause', {
          method: 'POST',
          json: { reason: 'x' },
          token: TOKEN,
        })
      ).status,
    ).toBe(404);
  });

  it('start an experiment (validated against the CRD schema) and abort it', async () => {
    const bad = await api('/api/v1/experiments', {
      method: 'POST',
      json: {
        namespace: SHOP,
        manifest: { metadata: { name: 'bad' }, spec: { ...EXPERIMENT.spec, mode: 'Most' } },
      },
      token: TOKEN,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('spec.mode');
    const started = await api('/api/v1/experiments', {
      method: 'POST',
      json: {
        namespace: SHOP,
        manifest: { metadata: { name: 'latency-now' }, spec: EXPERIMENT.spec },
        by: 'carol',
      },
      token: TOKEN,
    });
    expect(started.status).toBe(200);
    expect(started.body.annotations['homeostat.dev/started-by']).toBe('carol (dashboard)');
    const rerun = await api('/api/v1/experiments/shop/payments-latency/rerun', {
      method: 'POST',
      json: {},
      token: TOKEN,
    });
    expect(rerun.status).toBe(200);
    expect(rerun.body.name).toMatch(/^payments-latency-run-/);
    const aborted = await api('/api/v1/experiments/shop/latency-now/abort', {
      method: 'POST',
      json: { reason: 'enough' },
      token: TOKEN,
    });
    expect(aborted.status).toBe(200);
    const e = await client.request<{ metadata: { annotations: Record<string, string> } }>(
      'GET',
      customPath('chaosexperiments', 'latency-now'),
    );
    expect(e.metadata.annotations[ABORT_ANNOTATION]).toBe('true');
    const controls = (await api('/api/v1/controls')).body as { action: string; target: { name: string } }[];
    expect(controls[0]).toMatchObject({ action: 'AbortExperiment', target: { name: 'latency-now' } });
  });
});
