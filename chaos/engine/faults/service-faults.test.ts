import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../../sample-services/lib/admin-routes.ts';
import { FaultController } from '../../../sample-services/lib/faults/fault-controller.ts';
import { staticToken } from './proxy-admin.ts';
import { ServiceFaultInjector } from './service-faults.ts';

const TOKEN = 'service-admin-token-0123';

describe('ServiceFaultInjector against a bundled service admin API', () => {
  let server: Server;
  let faults: FaultController;
  let pod: V1Pod;

  beforeAll(async () => {
    faults = new FaultController(pino({ level: 'silent' }));
    const app = express();
    app.use('/admin', adminRoutes(faults, TOKEN));
    app.use(
      (
        err: { status?: number; message?: string },
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        res.status(err.status ?? 500).json({ message: err.message });
      },
    );
    server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    pod = {
      metadata: { namespace: 'shop', name: 'orders-1' },
      spec: {
        containers: [
          { name: 'app', ports: [{ name: 'http', containerPort: (server.address() as AddressInfo).port }] },
        ],
      },
      status: { podIP: '127.0.0.1' },
    };
  });

  afterAll(async () => {
    await faults.clearAll();
    await new Promise((r) => server.close(r));
  });

  it('injects memory growth that the service expires at the deadline, and recovers it by fingerprint', async () => {
    const injector = new ServiceFaultInjector({ token: staticToken(TOKEN) });
    const deadline = new Date(Date.now() + 60_000);
    await injector.inject(pod, {
      faultId: 'run-1',
      fault: { kind: 'MemoryGrowth', memoryGrowth: { mibPerMinute: 1, maxMiB: 1 } },
      deadline,
    });
    const [active] = faults.list();
    expect(active.spec.kind).toBe('memoryLeak');
    expect(Math.abs(Date.parse(active.expiresAt!) - deadline.getTime())).toBeLessThan(2000);
    // A fault of another run (other deadline) is left alone.
    faults.activate({ kind: 'memoryLeak', mibPerMinute: 1, maxMiB: 1, durationSeconds: 600 });
    await injector.recover(pod, { faultId: 'run-1', kind: 'MemoryGrowth', deadline });
    expect(faults.list().map((f) => f.expiresAt && Date.parse(f.expiresAt) - Date.now() > 300_000)).toEqual([
      true,
    ]);
    await injector.recover(pod, { faultId: 'run-1', kind: 'MemoryGrowth', deadline });
    await faults.clearAll();
  });

  it('a refused fault is an error naming the pod', async () => {
    const injector = new ServiceFaultInjector({ token: staticToken('not-the-right-token') });
    await expect(
      injector.inject(pod, {
        faultId: 'x',
        fault: { kind: 'CpuBurn', cpuBurn: { threads: 1, utilization: 0.1 } },
        deadline: new Date(Date.now() + 10_000),
      }),
    ).rejects.toThrow(/shop\/orders-1 refused the fault: HTTP 401/);
    expect(faults.list()).toEqual([]);
  });
});
