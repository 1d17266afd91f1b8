// One container instance as a local process. It leads its own session and process group, so a
// signal reaches everything it started, and when it exits the rest of its group is killed: like a
// container, nothing outlives its main process.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import type { ContainerLogWriter } from './container-logs.ts';

export interface ProcessSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface ProcessExit {
  /** As a container runtime reports it: the exit status, or 128 + signal number. */
  exitCode: number;
  signal?: NodeJS.Signals;
}

/** The process could not be started (missing binary, bad working directory): exit code 128. */
export class StartError extends Error {
  override name = 'StartError';
  readonly exitCode = 128;
}

/** How long to wait for stdout/stderr to drain after the process exits. */
const DRAIN_MS = 2000;

export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export class ContainerProcess {
  readonly exited: Promise<ProcessExit>;
  private done = false;

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    log: ContainerLogWriter,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => log.write('stdout', chunk));
    child.stderr!.on('data', (chunk: Buffer) => log.write('stderr', chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.done = true;
        // The main process is gone; take whatever it left behind with it.
        signalGroup(pid, 'SIGKILL');
        const exit: ProcessExit =
          code !== null
            ? { exitCode: code }
            : { exitCode: 128 + (constants.signals[signal!] ?? 0), signal: signal! };
        let drained = 0;
        const finish = () => {
          clearTimeout(timer);
          child.stdout!.destroy();
          child.stderr!.destroy();
          log.close();
          resolve(exit);
        };
        const timer = setTimeout(finish, DRAIN_MS);
        for (const stream of [child.stdout!, child.stderr!]) {
          if (stream.readableEnded || stream.destroyed) drained++;
          else
            stream.once('close', () => {
              if (++drained === 2) finish();
            });
        }
        if (drained === 2) finish();
      });
    });
  }

  static async spawn(spec: ProcessSpec, log: ContainerLogWriter): Promise<ContainerProcess> {
    const [command, ...args] = spec.argv;
    if (!existsSync(spec.cwd) || !statSync(spec.cwd).isDirectory()) {
      log.close();
      throw new StartError(
        `failed to start container: working directory "${spec.cwd}" does not exist on this machine`,
      );
    }
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      // Invalid arguments (a NUL byte in argv or env) throw synchronously.
      log.close();
      throw new StartError(`failed to start container process: ${(err as Error).message}`);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      log.close();
      const e = err as NodeJS.ErrnoException;
      const why =
        e.code === 'ENOENT'
          ? `exec: "${command}": executable file not found in $PATH`
          : e.code === 'EACCES'
            ? `exec: "${command}": permission denied`
            : e.message;
      throw new StartError(`failed to start container process: ${why}`);
    }
    return new ContainerProcess(child, child.pid!, log);
  }

  get alive(): boolean {
    return !this.done;
  }

  /** Signals the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.done) return;
    signalGroup(this.pid, signal);
  }
}
