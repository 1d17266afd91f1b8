// Runs the kubectl on this machine against a test server, isolated from the user's own kubeconfig
// and discovery cache.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  run(args: string[]): Promise<KubectlResult>;
  /** A scratch directory for files the commands read (--from-file). */
  dir: string;
  dispose(): void;
}

const TIMEOUT_MS = 30_000;

export function kubectlAvailable(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: TIMEOUT_MS }).status === 0;
}

export function kubectlFor(serverUrl: string): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: capture',
      '  cluster:',
      `    server: ${serverUrl}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: capture',
      '  user: {}',
      'contexts:',
      '- name: capture',
      '  context: {cluster: capture, user: capture, namespace: default}',
      'current-context: capture',
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig };
  return {
    dir,
    run: (args) =>
      new Promise((resolve) => {
        execFile(
          'kubectl',
          // Global flags first: anything after a `--` belongs to the container command.
          [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`, ...args],
          { env, cwd: dir, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
