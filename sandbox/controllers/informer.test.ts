// The informer wrapper against a scripted HTTP server that fails the way API servers do.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResilientInformer } from './informer.ts';
import { waitFor } from './testing/wait.ts';

interface Script {
  failLists: number;
  lists: number;
  watches: number;
  open: Set<ServerResponse>;
  items: Map<string, any>;
  rv: number;
}

let server: Server;
let script: Script;
let kc: KubeConfig;
let informer: ResilientInformer<V1ConfigMap> | undefined;

function cm(name: string, data: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: String(++script.rv),
      creationTimestamp: '2030-01-01T00:00:00Z',
    },
    data,
  };
}

function send(type: string, object: unknown): void {
  for (const res of script.open) res.write(`${JSON.stringify({ type, object })}\n`);
}

beforeEach(async () => {
  script = { failLists: 0, lists: 0, watches: 0, open: new Set(), items: new Map(), rv: 10 };
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      script.watches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      script.open.add(res);
      res.on('close', () => script.open.delete(res));
      return;
    }
    script.lists++;
    if (script.failLists > 0) {
      script.failLists--;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: 500,
          message: 'etcd is on fire',
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(script.rv) },
        items: [...script.items.values()],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
});

afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  for (const res of script.open) res.destroy();
  await new Promise((r) => server.close(r));
});

function makeInformer(): ResilientInformer<V1ConfigMap> {
  const core = kc.makeApiClient(CoreV1Api);
  informer = new ResilientInformer<V1ConfigMap>(
    kc,
    {
      name: 'configmaps',
      path: '/api/v1/configmaps',
      list: () => core.listConfigMapForAllNamespaces(),
      typeName: 'V1ConfigMap',
    },
    { logger: pino({ level: 'silent' }), backoffBaseMs: 20, backoffMaxMs: 100 },
  );
  return informer;
}

describe('ResilientInformer', () => {
  it('keeps retrying a failing list with backoff until it syncs', async () => {
    script.failLists = 3;
    const item = cm('a', { k: 'v' });
    script.items.set('a', item);
    const inf = makeInformer();
    inf.start();
    await inf.waitForSync();
    expect(script.lists).toBe(4);
    expect(inf.get('a', 'ns')?.data).toEqual({ k: 'v' });
  });

  it('delivers watch events as typed objects, with the old object on updates', async () => {
    const inf = makeInformer();
    const seen: string[] = [];
    inf.addHandlers({
      add: (o) => seen.push(`add ${o.metadata?.name}`),
      update: (old, cur) => seen.push(`update ${old.data?.k}->${cur.data?.k}`),
      delete: (o) => seen.push(`delete ${o.metadata?.name}`),
    });
    inf.start();
    await inf.waitForSync();
    await waitFor('watch open', () => script.open.size === 1);
    send('ADDED', cm('a', { k: '1' }));
    send('MODIFIED', cm('a', { k: '2' }));
    send('DELETED', cm('a', { k: '2' }));
    send('ADDED', cm('b', { k: '1' }));
    await waitFor('events handled', () => seen.length === 4);
    expect(seen).toEqual(['add a', 'update 1->2', 'delete a', 'add b']);
    expect(inf.get('b', 'ns')?.metadata?.creationTimestamp).toBeInstanceOf(Date);
  });

  it('relists at once on an in-stream 410 Expired, reporting what vanished meanwhile as deleted', async () => {
    script.items.set('a', cm('a', {}));
    script.items.set('b', cm('b', {}));
    const inf = makeInformer();
    const deleted: string[] = [];
    inf.addHandlers({ delete: (o) => deleted.push(o.metadata!.name!) });
    inf.start();
    await inf.waitForSync();
    await waitFor('watch open', () => script.open.size === 1);
    script.items.delete('a');
    const listsBefore = script.lists;
    send('ERROR', {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version',
    });
    await waitFor('relisted', () => script.lists === listsBefore + 1 && deleted.length === 1);
    expect(deleted).toEqual(['a']);
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(['b']);
    await waitFor('watching again', () => script.open.size === 1);
  });

  it('reconnects after the server drops the connection, resuming from the last resourceVersion', async () => {
    const inf = makeInformer();
    inf.start();
    await inf.waitForSync();
    await waitFor('watch open', () => script.open.size === 1);
    send('ADDED', cm('a', {}));
    await waitFor('added', () => inf.get('a', 'ns'));
    for (const res of script.open) res.destroy();
    await waitFor('re-watched', () => script.watches >= 2 && script.open.size === 1);
    expect(script.lists).toBe(1);
    expect(inf.get('a', 'ns')).toBeDefined();
  });

  it('stop closes the watch and opens no new one, even when stopped during a list', async () => {
    const inf = makeInformer();
    inf.start();
    await inf.waitForSync();
    await waitFor('watch open', () => script.open.size === 1);
    await inf.stop();
    await waitFor('watch closed', () => script.open.size === 0);

    script.failLists = 0;
    const second = makeInformer();
    second.start();
    await second.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(script.open.size).toBe(0);
  });
});
