// Changes made in one tick leave a watch in one socket write; each must still arrive as its own
// event line, in order, and a watch must see exactly the burst's events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from './index.ts';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server.close();
});

async function send(method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

describe('watch', () => {
  it('delivers a deletecollection burst as one event per object, in order', async () => {
    const N = 40;
    for (let i = 0; i < N; i++)
      await send('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: `cm-${String(i).padStart(2, '0')}`, labels: { burst: 'yes' } },
        data: { i: String(i) },
      });
    const list = await send('GET', '/api/v1/namespaces/default/configmaps');
    const ac = new AbortController();
    const res = await fetch(
      `${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      { signal: ac.signal },
    );
    const events: any[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body!) {
        buf += decoder.decode(chunk, { stream: true });
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          events.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
        if (events.length >= N) break;
      }
    })();
    await send('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=burst%3Dyes');
    await reading;
    ac.abort();
    expect(events.map((e) => e.type)).toEqual(Array(N).fill('DELETED'));
    expect(events.map((e) => e.object.metadata.name)).toEqual(
      Array.from({ length: N }, (_, i) => `cm-${String(i).padStart(2, '0')}`),
    );
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
  });
});
