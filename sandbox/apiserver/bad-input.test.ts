// Bad input gets a Kubernetes Status naming the problem; the server never crashes and never loses
// what it stored.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from './index.ts';

describe('API server: bad input', () => {
  let s: ApiServer;
  const req = async (
    method: string,
    path: string,
    body?: string | Buffer,
    contentType = 'application/json',
  ) => {
    const r = await fetch(`${s.url}${path}`, {
      method,
      body,
      headers: body !== undefined ? { 'Content-Type': contentType } : {},
    });
    const text = await r.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text };
  };

  beforeAll(async () => {
    s = await startApiServer({});
    await req(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ metadata: { name: 'keep' }, data: { v: 'precious' } }),
    );
  });
  afterAll(async () => s?.close());

  it('answers malformed JSON and YAML with 400 BadRequest saying what is wrong', async () => {
    const j = await req('POST', '/api/v1/namespaces/default/configmaps', '{"metadata": {"name": "x"');
    expect(j.status).toBe(400);
    expect(j.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(j.json.message).toMatch(/not valid JSON/);
    const y = await req(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      'metadata:\n  name: [unclosed',
      'application/yaml',
    );
    expect(y.status).toBe(400);
    expect(y.json.message).toMatch(/not valid YAML/);
    const notObject = await req('POST', '/api/v1/namespaces/default/configmaps', '[1,2]');
    expect(notObject.status).toBe(400);
  });

  it('accepts YAML bodies', async () => {
    const r = await req(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      'metadata:\n  name: from-yaml\ndata:\n  a: "1"\n',
      'application/yaml',
    );
    expect(r.status).toBe(201);
    expect(r.json.data).toEqual({ a: '1' });
  });

  it('refuses unknown media types with 415 and protobuf-only Accept with 406', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', 'x', 'application/cbor');
    expect(r.status).toBe(415);
    expect(r.json.reason).toBe('UnsupportedMediaType');
    // Protobuf is understood (kubectl create sends it); garbage in it is a 400 naming the problem.
    const pb = await req(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      'x',
      'application/vnd.kubernetes.protobuf',
    );
    expect(pb.status).toBe(400);
    const p = await req('PATCH', '/api/v1/namespaces/default/configmaps/keep', '{}', 'text/plain');
    expect(p.status).toBe(415);
    const a = await fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
      headers: { Accept: 'application/vnd.kubernetes.protobuf' },
    });
    expect(a.status).toBe(406);
  });

  it('refuses an oversized body with 413', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { blob: 'x'.repeat(4 * 1024 * 1024) } });
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', big);
    expect(r.status).toBe(413);
    expect(r.json.reason).toBe('RequestEntityTooLarge');
  });

  it('answers unknown resources, groups and paths with 404 NotFound', async () => {
    for (const path of [
      '/api/v1/widgets',
      '/apis/nope.example.com/v1/things',
      '/apis/apps/v9/deployments',
      '/nothing/here',
      '/api/v1/namespaces/default/pods/x/nonsense',
    ])
      expect((await req('GET', path)).json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('answers bad selectors and query parameters with 400 naming them', async () => {
    const ls = await req('GET', `/api/v1/pods?labelSelector=${encodeURIComponent('a in (b')}`);
    expect(ls.status).toBe(400);
    const fs = await req('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.bogus=1')}`);
    expect(fs.status).toBe(400);
    expect(fs.json.message).toContain('spec.bogus');
    const lim = await req('GET', '/api/v1/pods?limit=abc');
    expect(lim.status).toBe(400);
    expect(lim.json.message).toContain('limit');
    const cont = await req('GET', '/api/v1/pods?limit=1&continue=garbage!');
    expect(cont.status).toBe(400);
    const fv = await req(
      'POST',
      '/api/v1/namespaces/default/configmaps?fieldValidation=Loose',
      JSON.stringify({ metadata: { name: 'fv' } }),
    );
    expect(fv.status).toBe(400);
    expect(fv.json.message).toContain('fieldValidation');
  });

  it('names the field in 422 Invalid for bad objects', async () => {
    const r = await req(
      'POST',
      '/api/v1/namespaces/default/pods',
      JSON.stringify({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } }),
    );
    expect(r.status).toBe(422);
    expect(r.json.details.causes).toContainEqual(
      expect.objectContaining({ field: 'spec.containers[0].image', reason: 'FieldValueRequired' }),
    );
    expect(r.json.message).toBe('Pod "p" is invalid: spec.containers[0].image: Required value');
  });

  it('survives arbitrary bodies on every verb and keeps stored objects intact', async () => {
    const paths = [
      '/api/v1/namespaces/default/configmaps',
      '/api/v1/namespaces/default/configmaps/keep',
      '/apis/apps/v1/namespaces/default/deployments',
      '/api/v1/namespaces/default/pods/keep/status',
      '/api/v1/namespaces/default/configmaps/keep2',
    ];
    const types = [
      'application/json',
      'application/yaml',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
        fc.constantFrom(...paths),
        fc.constantFrom(...types),
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ metadata: { name: 'keep' }, data: v })),
        ),
        async (method, path, ct, body) => {
          const r = await req(method, path, body, ct);
          expect(r.status).toBeGreaterThanOrEqual(200);
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure' });
        },
      ),
      { numRuns: 150 },
    );
    const health = await fetch(`${s.url}/readyz`);
    expect(health.status).toBe(200);
    // Valid fuzzed requests may have changed things (a DELETE on the collection is deletecollection);
    // what matters is that every stored object still reads back whole and writes still work.
    const list = await req('GET', '/api/v1/namespaces/default/configmaps');
    for (const item of list.json.items) {
      const one = await req('GET', `/api/v1/namespaces/default/configmaps/${item.metadata.name}`);
      expect(one.json).toEqual(item);
    }
    expect(
      (
        await req(
          'POST',
          '/api/v1/namespaces/default/configmaps',
          JSON.stringify({ metadata: { name: 'after-fuzz' } }),
        )
      ).status,
    ).toBe(201);
  });
});
