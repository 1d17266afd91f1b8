import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultController } from './fault-controller.ts';
import { faultSpecSchema } from './fault-spec.ts';

const log = pino({ level: 'silent' });

describe('FaultController', () => {
  const controllers: FaultController[] = [];
  const make = (now = Date.now, random = Math.random) => {
    const counts: Array<Record<string, number>> = [];
    const c = new FaultController(log, (x) => counts.push({ ...x }), now, random);
    controllers.push(c);
    return { c, counts };
  };
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.clearAll();
  });

  it('grows added latency linearly from the initial value up to the ceiling', () => {
    let now = 1_000_000;
    const { c } = make(() => now);
    c.activate(
      faultSpecSchema.parse({ kind: 'latencyDegradation', msPerMinute: 100, initialMs: 10, maxMs: 200 }),
    );
    expect(c.addedLatencyMs()).toBe(10);
    now += 60_000;
    expect(c.addedLatencyMs()).toBe(110);
    now += 10 * 60_000;
    expect(c.addedLatencyMs()).toBe(200);
  });

  it('fails the configured fraction of requests with the configured status', () => {
    const draws = [0.1, 0.5, 0.29];
    const { c } = make(Date.now, () => draws.shift() ?? 1);
    c.activate(faultSpecSchema.parse({ kind: 'errorBurst', rate: 0.3, status: 503 }));
    expect([c.injectedErrorStatus(), c.injectedErrorStatus(), c.injectedErrorStatus()]).toEqual([
      503,
      undefined,
      503,
    ]);
  });

  it('slows only the named dependency', () => {
    const { c } = make(Date.now, () => 0.5);
    c.activate(
      faultSpecSchema.parse({
        kind: 'dependencySlowness',
        dependency: 'payments',
        delayMs: 300,
        jitterMs: 100,
      }),
    );
    expect(c.dependencyDelayMs('payments')).toBe(350);
    expect(c.dependencyDelayMs('catalog')).toBe(0);
  });

  it('clears a fault by id, and by itself when its duration is over', async () => {
    const { c, counts } = make();
    const a = c.activate(faultSpecSchema.parse({ kind: 'errorBurst', rate: 1 }));
    c.activate(faultSpecSchema.parse({ kind: 'errorBurst', rate: 1, durationSeconds: 0.05 }));
    expect(c.list()).toHaveLength(2);
    expect(counts.at(-1)?.errorBurst).toBe(2);
    await new Promise((r) => setTimeout(r, 120));
    expect(c.list().map((f) => f.id)).toEqual([a.id]);
    expect(await c.clear(a.id)).toBe(true);
    expect(await c.clear(a.id)).toBe(false);
    expect(c.injectedErrorStatus()).toBeUndefined();
    expect(counts.at(-1)?.errorBurst).toBe(0);
  });

  it('leaks memory that shows in the resident set, and frees it when cleared', async () => {
    const { c } = make();
    const before = process.memoryUsage().rss;
    const fault = c.activate(faultSpecSchema.parse({ kind: 'memoryLeak', mibPerMinute: 3000, maxMiB: 40 }));
    await new Promise((r) => setTimeout(r, 1100));
    const status = c.list()[0].status!;
    expect(status.leakedMiB).toBeGreaterThan(30);
    expect(process.memoryUsage().rss - before).toBeGreaterThan(30 * 1024 * 1024);
    await c.clear(fault.id);
  });

  it('burns CPU on worker threads until cleared', async () => {
    const { c } = make();
    const start = process.cpuUsage();
    const fault = c.activate(faultSpecSchema.parse({ kind: 'cpuBurn', threads: 1, utilization: 1 }));
    await new Promise((r) => setTimeout(r, 400));
    const used = process.cpuUsage(start);
    await c.clear(fault.id);
    // Most of the wall time was spent computing on the worker (allowing for a busy machine).
    expect((used.user + used.system) / 1000).toBeGreaterThan(150);
  });
});

describe('fault specs', () => {
  it('name the field that is wrong', () => {
    const result = faultSpecSchema.safeParse({ kind: 'latencyDegradation' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['msPerMinute']);
    expect(faultSpecSchema.safeParse({ kind: 'teleport' }).success).toBe(false);
    expect(faultSpecSchema.safeParse({ kind: 'errorBurst', rate: 0.5, extra: 1 }).success).toBe(false);
  });
});
