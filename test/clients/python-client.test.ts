// The official Kubernetes Python client, a client nobody here wrote, against the sandbox.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../sandbox/apiserver/index.ts';

const run = promisify(execFile);
// Debian's python3-kubernetes lives with the system interpreter, not with any other python on PATH.
const PYTHON = '/usr/bin/python3';

describe('the Kubernetes Python client', () => {
  let server: ApiServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-py-'));
    server = await startApiServer({});
    writeFileSync(join(dir, 'kubeconfig'), server.kubeconfigYaml());
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, patches, lists, scales and watches through the sandbox', async () => {
    expect(existsSync(PYTHON), 'python3 is missing; .ci/run installs python3-kubernetes').toBe(true);
    const { stdout } = await run(
      PYTHON,
      [join(import.meta.dirname, 'python_client_check.py'), join(dir, 'kubeconfig'), 'py-client'],
      { timeout: 60_000 },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.version).toMatch(/^v1\.32\./);
    expect(out.data).toEqual({ a: '1', b: '2' });
    expect(out.listed).toEqual(['py']);
    expect(out.not_found).toEqual({ status: 404, reason: 'NotFound' });
    expect(out.replicas).toBe(4);
    expect(out.events).toEqual(['ADDED py-watched', 'DELETED py-watched']);
  });
});
