import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, startApiServer } from '../../sandbox/apiserver/index.ts';
import { conformanceSuite } from './cases.ts';

conformanceSuite('sandbox', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'homeostat-conformance-'));
  const opts = { dataDir, bookmarkIntervalMs: 500 };
  let server: ApiServer = await startApiServer(opts);
  return {
    name: 'sandbox',
    kc: server.kubeConfig(),
    controllers: false,
    compactWatchHistory: () => server.store.compactHistory(),
    async restart() {
      await server.close();
      server = await startApiServer({ ...opts, port: server.port });
      return server.kubeConfig();
    },
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
