// One container of a pod across its instances: preparation (image, env, command), the process,
// probes, lifecycle hooks, the restart decision with CrashLoopBackOff, and termination with
// preStop, SIGTERM, grace period and SIGKILL. The pod worker decides *whether* to restart; the
// runner knows *how*.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  ContainerLogWriter,
  type LogRotation,
  openLogSnapshot,
  readLogSnapshot,
  renderLogLine,
} from './container-logs.ts';
import { ContainerProber } from './container-prober.ts';
import { ContainerProcess, type ProcessExit, StartError } from './container-process.ts';
import { type BackoffPolicy, formatDuration, RestartBackoff } from './crash-loop-backoff.ts';
import type { ContainerSnapshot, ContainerState, TerminatedState } from './pod-status.ts';
import { runHandler } from './probe-handlers.ts';
import type { ProbeKind } from './probe-tracker.ts';

export type ContainerRole = 'init' | 'sidecar' | 'regular';

/** A reason the container cannot be created yet; it waits with this reason and retries. */
export class WaitingError extends Error {
  override name = 'WaitingError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PreparedContainer {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  imageID: string;
}

export interface RunnerHost {
  readonly logger: Logger;
  /** "<name>_<namespace>(<uid>)", as kubelet messages name a pod. */
  readonly podDescription: string;
  readonly podUid: string;
  readonly podKey: string;
  readonly logDir: string;
  readonly logRotation: LogRotation;
  readonly crashLoopBackOff: BackoffPolicy;
  readonly imagePullBackOff: BackoffPolicy;
  podIP(): string;
  /** The pod's termination grace period (deletionGracePeriodSeconds or terminationGracePeriodSeconds). */
  podGraceSeconds(): number;
  prepare(container: V1Container): Promise<PreparedContainer>;
  shouldRestart(runner: ContainerRunner, exitCode: number): boolean;
  /** Anything in the runner's status changed. */
  changed(runner: ContainerRunner): void;
  event(runner: ContainerRunner, type: 'Normal' | 'Warning', reason: string, message: string): void;
  trackProcess(runner: ContainerRunner, pid: number): Promise<void>;
  untrackProcess(runner: ContainerRunner): Promise<void>;
  probeResult?(runner: ContainerRunner, kind: ProbeKind, ok: boolean): void;
  started?(runner: ContainerRunner, ok: boolean, reason?: string): void;
}

interface Instance {
  index: number;
  process: ContainerProcess;
  prober: ContainerProber | undefined;
  startedAt: number;
  env: Record<string, string>;
  cwd: string;
  /** Why the kubelet killed it, if it did: becomes the termination message. */
  killMessage?: string;
  /** Resolves once the exit has been fully handled (status, restart decision). */
  handled: Promise<void>;
}

/** The kubelet's minimum grace after a preStop hook used up the grace period. */
const MIN_GRACE_AFTER_HOOK_MS = 2000;
const POST_START_TIMEOUT_MS = 30_000;

export class ContainerRunner {
  restartCount = 0;
  state: ContainerState;
  lastTerminated: TerminatedState | undefined;
  imageID = '';
  containerID: string | undefined;
  /** Terminated with no restart to come. */
  finished = false;
  /** Has been started at least once (a sidecar lets the next init container run after this). */
  everStarted = false;
  /** Instance index of the latest started process and of the one in lastTerminated, for logs. */
  latestInstance: number | undefined;
  lastTerminatedInstance: number | undefined;
  begun = false;

  private instance: Instance | undefined;
  private readonly backoff: RestartBackoff;
  private readonly pullBackoff: RestartBackoff;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private generation = 0;

  constructor(
    public spec: V1Container,
    readonly role: ContainerRole,
    private readonly host: RunnerHost,
    initialWaitingReason = 'ContainerCreating',
  ) {
    this.state = { kind: 'waiting', reason: initialWaitingReason };
    this.backoff = new RestartBackoff(host.crashLoopBackOff);
    this.pullBackoff = new RestartBackoff(host.imagePullBackOff);
  }

  get name(): string {
    return this.spec.name;
  }

  get fieldPath(): string {
    return `spec.${this.role === 'regular' ? 'containers' : 'initContainers'}{${this.spec.name}}`;
  }

  get running(): boolean {
    return this.instance !== undefined;
  }

  get pid(): number | undefined {
    return this.instance?.process.pid;
  }

  get startedAt(): number | undefined {
    return this.instance?.startedAt;
  }

  get ready(): boolean {
    if (this.role === 'init') return this.state.kind === 'terminated' && this.state.exitCode === 0;
    return this.instance?.prober?.ready ?? false;
  }

  get started(): boolean {
    return this.instance?.prober?.started ?? false;
  }

  snapshot(): ContainerSnapshot {
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      imageID: this.imageID,
      ...(this.containerID ? { containerID: this.containerID } : {}),
      state: this.state,
      ...(this.lastTerminated ? { lastTerminated: this.lastTerminated } : {}),
      restartCount: this.restartCount,
      ready: this.ready,
      started: this.role === 'init' ? false : this.started,
    };
  }

  /**
   * Takes over what an earlier kubelet reported. Returns the termination that still needs a
   * restart decision (a container that was running has lost its process), if any.
   */
  adopt(status: {
    restartCount?: number;
    imageID?: string;
    containerID?: string;
    state?: { running?: { startedAt?: unknown }; terminated?: Record<string, unknown>; waiting?: unknown };
    lastState?: { terminated?: Record<string, unknown> };
  }): TerminatedState | undefined {
    this.restartCount = status.restartCount ?? 0;
    this.imageID = status.imageID ?? '';
    this.containerID = status.containerID;
    this.latestInstance = this.restartCount;
    const last = status.lastState?.terminated;
    if (last) {
      this.lastTerminated = terminatedFromJson(last);
      this.lastTerminatedInstance = Math.max(0, this.restartCount - 1);
    }
    if (status.state?.running) {
      this.everStarted = true;
      return {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the kubelet restarted; it was running',
        startedAt: toMs(status.state.running.startedAt),
        finishedAt: Date.now(),
        ...(this.containerID ? { containerID: this.containerID } : {}),
      };
    }
    if (status.state?.terminated) {
      this.everStarted = true;
      return terminatedFromJson(status.state.terminated);
    }
    if (this.lastTerminated) {
      // Waiting to restart (CrashLoopBackOff) when the old kubelet went away.
      this.everStarted = true;
      this.state = { kind: 'terminated', ...this.lastTerminated };
      return this.lastTerminated;
    }
    return undefined;
  }

  /** Starts the first instance. */
  begin(): void {
    if (this.begun || this.stopped) return;
    this.begun = true;
    this.startAttempt();
  }

  /** Continues from an adopted termination: restart now or stay finished, per policy. */
  resume(termination: TerminatedState): void {
    if (this.begun || this.stopped) return;
    this.begun = true;
    this.onTerminated(termination, this.latestInstance ?? this.restartCount, false);
  }

  /** Marks an adopted, successfully completed init container as done without running it. */
  markCompleted(termination: TerminatedState): void {
    this.begun = true;
    this.finished = true;
    this.state = { kind: 'terminated', ...termination };
  }

  private logPath(index: number): string {
    return join(this.host.logDir, this.spec.name, `${index}.log`);
  }

  /** Log file of the current instance, or of the one before it. */
  logFile(previous: boolean): string | undefined {
    const index = previous ? this.lastTerminatedInstance : this.latestInstance;
    return index === undefined ? undefined : this.logPath(index);
  }

  /** The live log writer, for follow. */
  liveLog: ContainerLogWriter | undefined;

  /** Starts an attempt; an unexpected failure leaves the container waiting and retrying, never crashes the kubelet. */
  private startAttempt(): void {
    this.attempt().catch((err) => {
      this.host.logger.error(
        { container: this.spec.name, err: (err as Error)?.message },
        'container start failed unexpectedly',
      );
      if (!this.stopped && !this.instance) this.preparationFailed(err);
    });
  }

  private async attempt(): Promise<void> {
    const gen = ++this.generation;
    this.state = { kind: 'waiting', reason: 'ContainerCreating' };
    this.host.changed(this);
    let prepared: PreparedContainer;
    try {
      prepared = await this.host.prepare(this.spec);
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.preparationFailed(err);
      return;
    }
    if (gen !== this.generation || this.stopped) return;
    this.host.event(
      this,
      'Normal',
      'Pulled',
      `Container image "${this.spec.image}" already present on machine`,
    );
    this.imageID = prepared.imageID;
    const index = this.restartCount;
    void this.pruneLogs(index);
    const log = new ContainerLogWriter(this.logPath(index), this.host.logRotation);
    let proc: ContainerProcess;
    try {
      proc = await ContainerProcess.spawn({ argv: prepared.argv, env: prepared.env, cwd: prepared.cwd }, log);
    } catch (err) {
      if (!(err instanceof StartError)) throw err;
      this.latestInstance = index;
      this.host.started?.(this, false, 'StartError');
      this.host.event(this, 'Warning', 'Failed', `Error: ${err.message}`);
      if (gen !== this.generation || this.stopped) return;
      const now = Date.now();
      this.onTerminated(
        {
          exitCode: err.exitCode,
          reason: 'StartError',
          message: err.message,
          startedAt: now,
          finishedAt: now,
        },
        index,
        true,
      );
      return;
    }
    const startedAt = Date.now();
    this.latestInstance = index;
    this.everStarted = true;
    this.liveLog = log;
    this.containerID = `process://${proc.pid}`;
    this.host.started?.(this, true);
    const prober =
      this.role === 'init'
        ? undefined
        : new ContainerProber(
            this.spec,
            () => ({
              podIP: this.host.podIP(),
              env: prepared.env,
              cwd: prepared.cwd,
              ports: this.spec.ports ?? [],
            }),
            {
              onChange: () => {
                if (this.started) this.everStarted = true;
                this.host.changed(this);
              },
              onFatal: (kind, message) =>
                this.probeFatal(kind, message).catch((err) =>
                  this.host.logger.error(
                    { container: this.spec.name, err: (err as Error)?.message },
                    'probe-triggered kill failed',
                  ),
                ),
              onProbeFailure: (kind, message) => {
                const what = kind === 'startup' ? 'Startup' : kind === 'readiness' ? 'Readiness' : 'Liveness';
                this.host.event(this, 'Warning', 'Unhealthy', `${what} probe failed: ${message}`.trim());
              },
              onProbeResult: (kind, ok) => this.host.probeResult?.(this, kind, ok),
            },
          );
    let handledResolve!: () => void;
    const instance: Instance = {
      index,
      process: proc,
      prober,
      startedAt,
      env: prepared.env,
      cwd: prepared.cwd,
      handled: new Promise((resolve) => {
        handledResolve = resolve;
      }),
    };
    this.instance = instance;
    this.state = { kind: 'running', startedAt };
    proc.exited.then((exit) => {
      try {
        this.onProcessExit(instance, exit);
      } catch (err) {
        this.host.logger.error(
          { container: this.spec.name, err: (err as Error)?.message },
          'handling the container exit failed',
        );
      } finally {
        // Whoever waits for this instance to stop must never hang.
        handledResolve();
      }
    });
    void this.host.trackProcess(this, proc.pid);
    prober?.start(startedAt);
    this.host.event(this, 'Normal', 'Created', `Created container ${this.spec.name}`);
    this.host.event(this, 'Normal', 'Started', `Started container ${this.spec.name}`);
    this.host.changed(this);
    if (gen !== this.generation || this.stopped) {
      // Stopped while the process was being spawned.
      proc.signal('SIGKILL');
      return;
    }
    const postStart = this.spec.lifecycle?.postStart;
    if (postStart) {
      const result = await runHandler(postStart, {
        podIP: this.host.podIP(),
        env: prepared.env,
        cwd: prepared.cwd,
        ports: this.spec.ports ?? [],
        timeoutMs: POST_START_TIMEOUT_MS,
      });
      if (!result.ok && this.instance === instance) {
        this.host.event(
          this,
          'Warning',
          'FailedPostStartHook',
          `PostStartHook failed: ${result.message}`.trim(),
        );
        await this.killInstance(
          instance,
          this.graceMs(),
          false,
          `FailedPostStartHook: ${result.message}`.trim(),
        );
      }
    }
  }

  private preparationFailed(err: unknown): void {
    const waiting =
      err instanceof WaitingError
        ? err
        : new WaitingError('CreateContainerError', (err as Error)?.message ?? String(err));
    const imageProblem = waiting.reason === 'ErrImagePull' || waiting.reason === 'InvalidImageName';
    this.pullBackoff.recordRestart(Date.now());
    const delay = this.pullBackoff.currentMs;
    this.state = { kind: 'waiting', reason: waiting.reason, message: waiting.message };
    this.host.started?.(this, false, waiting.reason);
    if (imageProblem) {
      this.host.event(
        this,
        'Warning',
        'Failed',
        `Failed to pull image "${this.spec.image}": ${waiting.message}`,
      );
      this.host.event(this, 'Warning', 'Failed', `Error: ${waiting.reason}`);
    } else {
      this.host.event(this, 'Warning', 'Failed', `Error: ${waiting.message}`);
    }
    this.host.changed(this);
    const gen = this.generation;
    if (imageProblem && waiting.reason === 'ErrImagePull') {
      // Between attempts the kubelet reports ImagePullBackOff.
      this.timer = setTimeout(
        () => {
          if (gen !== this.generation || this.stopped) return;
          this.state = {
            kind: 'waiting',
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${this.spec.image}": ${waiting.message}`,
          };
          this.host.event(this, 'Normal', 'BackOff', `Back-off pulling image "${this.spec.image}"`);
          this.host.changed(this);
          this.timer = setTimeout(
            () => {
              if (gen === this.generation && !this.stopped) this.startAttempt();
            },
            Math.max(0, delay - 1000),
          );
        },
        Math.min(1000, delay),
      );
    } else {
      this.timer = setTimeout(() => {
        if (gen === this.generation && !this.stopped) this.startAttempt();
      }, delay);
    }
  }

  private onProcessExit(instance: Instance, exit: ProcessExit): void {
    instance.prober?.stop();
    if (this.instance === instance) this.instance = undefined;
    if (this.liveLog?.isClosed) this.liveLog = undefined;
    void this.host.untrackProcess(this);
    const message = instance.killMessage ?? this.terminationMessage(exit.exitCode, instance.index);
    const termination: TerminatedState = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      ...(message ? { message } : {}),
      startedAt: instance.startedAt,
      finishedAt: Date.now(),
      containerID: `process://${instance.process.pid}`,
    };
    this.host.logger.debug(
      { container: this.spec.name, exitCode: exit.exitCode, signal: exit.signal },
      'container exited',
    );
    this.onTerminated(termination, instance.index, true);
  }

  /**
   * terminationMessagePolicy FallbackToLogsOnError: a failed container's message is the end of
   * its log (at most 80 lines, 2048 bytes), as the kubelet does. There is no termination-log file.
   */
  private terminationMessage(exitCode: number, index: number): string | undefined {
    if (exitCode === 0 || this.spec.terminationMessagePolicy !== 'FallbackToLogsOnError') return undefined;
    try {
      const lines = readLogSnapshot(openLogSnapshot(this.logPath(index), this.host.logRotation.maxFiles), {
        tailLines: 80,
      });
      const text = lines.map((l) => renderLogLine(l, false)).join('');
      return Buffer.from(text).subarray(-2048).toString('utf8') || undefined;
    } catch {
      return undefined;
    }
  }

  private onTerminated(termination: TerminatedState, index: number, notify: boolean): void {
    this.state = { kind: 'terminated', ...termination };
    if (!this.stopped && this.host.shouldRestart(this, termination.exitCode)) {
      this.scheduleRestart(termination, index);
    } else {
      this.finished = true;
    }
    if (notify || this.finished) this.host.changed(this);
  }

  private scheduleRestart(termination: TerminatedState, index: number): void {
    const now = Date.now();
    const delay = this.backoff.delayBeforeRestart(termination.finishedAt, now);
    this.lastTerminated = termination;
    this.lastTerminatedInstance = index;
    if (delay <= 0) {
      this.restartNow();
      return;
    }
    const backoff = formatDuration(this.backoff.currentMs);
    this.state = {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${backoff} restarting failed container=${this.spec.name} pod=${this.host.podDescription}`,
    };
    this.host.event(
      this,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${this.spec.name} in pod ${this.host.podDescription}`,
    );
    const gen = this.generation;
    this.timer = setTimeout(() => {
      if (gen === this.generation && !this.stopped) this.restartNow();
    }, delay);
  }

  private restartNow(): void {
    if (this.stopped) return;
    this.restartCount++;
    this.backoff.recordRestart(Date.now());
    this.startAttempt();
  }

  private graceMs(probeGraceSeconds?: number): number {
    return (probeGraceSeconds ?? this.host.podGraceSeconds()) * 1000;
  }

  private async probeFatal(kind: 'liveness' | 'startup', message: string): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    const probe = kind === 'liveness' ? this.spec.livenessProbe : this.spec.startupProbe;
    const why = `Container ${this.spec.name} failed ${kind} probe, will be restarted`;
    this.host.event(this, 'Normal', 'Killing', why);
    this.host.logger.info({ container: this.spec.name, kind, message }, 'probe failed; killing container');
    await this.killInstance(
      instance,
      this.graceMs(probe?.terminationGracePeriodSeconds ?? undefined),
      true,
      why,
    );
  }

  /**
   * Stops the container for good (pod termination or shutdown): runs preStop when asked, sends
   * SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves once the process is gone.
   */
  async stop(graceMs: number, options: { preStop: boolean; message?: string }): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.timer);
    const instance = this.instance;
    if (!instance) {
      if (this.state.kind === 'waiting') {
        this.state = {
          kind: 'terminated',
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message: 'The container could not be located when the pod was terminated',
          finishedAt: Date.now(),
        };
      }
      this.finished = true;
      this.host.changed(this);
      return;
    }
    await this.killInstance(instance, graceMs, options.preStop, options.message);
  }

  /** Kills at once, without hooks (the pod object is gone). */
  kill(): Promise<void> {
    return this.stop(0, { preStop: false });
  }

  private async killInstance(
    instance: Instance,
    graceMs: number,
    preStop: boolean,
    message?: string,
  ): Promise<void> {
    instance.killMessage ??= message;
    instance.prober?.stop();
    const { process: proc } = instance;
    if (graceMs <= 0) {
      proc.signal('SIGKILL');
      await instance.handled;
      return;
    }
    const deadline = Date.now() + graceMs;
    const hook = preStop ? this.spec.lifecycle?.preStop : undefined;
    if (hook && proc.alive) {
      const outcome = await Promise.race([
        runHandler(hook, {
          podIP: this.host.podIP(),
          env: instance.env,
          cwd: instance.cwd,
          ports: this.spec.ports ?? [],
          timeoutMs: graceMs,
        }),
        instance.handled.then(() => undefined),
      ]);
      if (outcome && !outcome.ok) {
        this.host.event(
          this,
          'Warning',
          'FailedPreStopHook',
          `PreStopHook failed: ${outcome.message}`.trim(),
        );
      }
    }
    if (proc.alive) {
      proc.signal('SIGTERM');
      const remaining = Math.max(deadline - Date.now(), hook ? MIN_GRACE_AFTER_HOOK_MS : 0);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([instance.handled, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
      clearTimeout(timer);
      if (proc.alive) proc.signal('SIGKILL');
    }
    await instance.handled;
  }

  private async pruneLogs(current: number): Promise<void> {
    const dir = join(this.host.logDir, this.spec.name);
    try {
      for (const name of await readdir(dir)) {
        const index = Number.parseInt(name, 10);
        if (Number.isInteger(index) && index < current - 1) await rm(join(dir, name), { force: true });
      }
    } catch {
      // no logs yet
    }
  }
}

function toMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function terminatedFromJson(t: Record<string, unknown>): TerminatedState {
  return {
    exitCode: typeof t.exitCode === 'number' ? t.exitCode : 0,
    reason: typeof t.reason === 'string' ? t.reason : 'Error',
    ...(typeof t.message === 'string' ? { message: t.message } : {}),
    ...(toMs(t.startedAt) !== undefined ? { startedAt: toMs(t.startedAt) } : {}),
    finishedAt: toMs(t.finishedAt) ?? Date.now(),
    ...(typeof t.containerID === 'string' ? { containerID: t.containerID } : {}),
  };
}
