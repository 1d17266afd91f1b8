// One pod on the process node: its address, its containers in order (init containers one by one,
// sidecars kept running, then the regular containers), its phase, graceful termination and the
// active deadline. All decisions are level-triggered: any change calls drive(), which looks at the
// current state of every container and does what is missing.

import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type {
  CoreV1Api,
  V1ConfigMap,
  V1Container,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AddressAllocator } from './address-allocator.ts';
import { buildContainerEnv, ContainerConfigError, envReferences, expandArgv } from './container-env.ts';
import type { LogRotation } from './container-logs.ts';
import {
  ContainerRunner,
  type PreparedContainer,
  type RunnerHost,
  WaitingError,
} from './container-runner.ts';
import type { BackoffPolicy } from './crash-loop-backoff.ts';
import type { EventRecorder } from './events.ts';
import { ContainerCommandError, containerArgv, type ImageRegistry } from './image-registry.ts';
import { apiStatusCode, errorText } from './informer.ts';
import { toMillis } from './k8s-time.ts';
import {
  buildPodStatus,
  isRestartableInitContainer,
  isTerminalPhase,
  type PodStatusJson,
  podPhase,
  type TerminatedState,
  withWrittenConditions,
} from './pod-status.ts';
import type { ProbeKind } from './probe-tracker.ts';
import type { ProcessTracker } from './process-tracker.ts';
import { servicesVisibleTo } from './service-env.ts';

export interface KubeletContext {
  nodeName: string;
  hostIP: string;
  podsDir: string;
  logger: Logger;
  core: CoreV1Api;
  registry: ImageRegistry;
  allocator: AddressAllocator;
  tracker: ProcessTracker;
  events: EventRecorder;
  services(): readonly V1Service[];
  baseEnv: Record<string, string>;
  nodeAllocatable: { cpu: number; memory: number; ephemeralStorage: number };
  crashLoopBackOff: BackoffPolicy;
  imagePullBackOff: BackoffPolicy;
  logRotation: LogRotation;
  /** Schedules a status write for the pod (coalesced). */
  statusChanged(worker: PodWorker): void;
  /** Writes the pod's status now and waits for it. */
  flushStatus(worker: PodWorker): Promise<void>;
  /** Removes the pod object from the API (grace 0), as the kubelet does once it has stopped everything. */
  deletePod(worker: PodWorker): Promise<void>;
  probeResult?(worker: PodWorker, runner: ContainerRunner, kind: ProbeKind, ok: boolean): void;
  containerStarted?(runner: ContainerRunner, ok: boolean, reason?: string): void;
}

const DEFAULT_GRACE_SECONDS = 30;

export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  pod: V1Pod;
  ip: string | undefined;
  startTime: number | undefined;
  readonly initRunners: ContainerRunner[];
  readonly runners: ContainerRunner[];
  /** Nothing will run again; the phase is final. */
  terminal = false;
  terminating = false;
  /** Completing: containers are being stopped and none will restart; `terminal` follows. */
  private finishing = false;
  destroyed = false;
  failure: { reason: string; message: string } | undefined;
  /** The status last written, to skip identical writes and keep transition times. */
  lastWritten: PodStatusJson | undefined;
  lastWrittenText: string | undefined;
  private initDone = false;
  private driveScheduled = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly host: RunnerHost;
  private terminationDone: Promise<void> | undefined;
  /** Containers being stopped to be replaced by one with a new image. */
  private readonly replacing = new Set<ContainerRunner>();
  /** Terminations adopted from an earlier kubelet that still need a restart decision. */
  private pendingTerminations = new Map<ContainerRunner, TerminatedState>();

  constructor(
    private readonly ctx: KubeletContext,
    pod: V1Pod,
  ) {
    this.pod = pod;
    this.uid = pod.metadata!.uid!;
    this.namespace = pod.metadata!.namespace ?? 'default';
    this.name = pod.metadata!.name!;
    this.logger = ctx.logger.child({ pod: `${this.namespace}/${this.name}` });
    this.host = this.makeRunnerHost();
    const hasInit = (pod.spec?.initContainers?.length ?? 0) > 0;
    this.initRunners = (pod.spec?.initContainers ?? []).map(
      (c) => new ContainerRunner(c, isRestartableInitContainer(c) ? 'sidecar' : 'init', this.host),
    );
    this.runners = (pod.spec?.containers ?? []).map(
      (c) => new ContainerRunner(c, 'regular', this.host, hasInit ? 'PodInitializing' : 'ContainerCreating'),
    );
  }

  get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  get podDir(): string {
    return join(this.ctx.podsDir, `${this.namespace}_${this.name}_${this.uid}`);
  }

  get restartPolicy(): 'Always' | 'OnFailure' | 'Never' {
    return (this.pod.spec?.restartPolicy as 'Always' | 'OnFailure' | 'Never' | undefined) ?? 'Always';
  }

  runner(name: string): ContainerRunner | undefined {
    return [...this.runners, ...this.initRunners].find((r) => r.name === name);
  }

  allRunners(): ContainerRunner[] {
    return [...this.initRunners, ...this.runners];
  }

  /** Starts the pod, or takes it over from an earlier kubelet. */
  start(): void {
    const status = this.pod.status;
    const finished = isTerminalPhase(status?.phase);
    const previous = status?.podIP;
    if (this.pod.spec?.hostNetwork === true) this.ip = this.ctx.hostIP;
    else if (previous && this.ctx.allocator.reserve(this.uid, previous)) this.ip = previous;
    else if (!finished) this.ip = this.ctx.allocator.allocate(this.uid);
    this.startTime = toMillis(status?.startTime as Date | string | undefined) ?? Date.now();

    if (finished) {
      // Finished before: report it as it was, run nothing.
      const terminations = this.adoptStatuses();
      this.terminal = true;
      if (status?.phase === 'Failed' && status.reason) {
        this.failure = { reason: status.reason, message: status.message ?? '' };
      }
      for (const r of this.allRunners()) {
        const fallback: TerminatedState = { exitCode: 0, reason: 'Completed', finishedAt: Date.now() };
        r.markCompleted(terminations.get(r) ?? (r.state.kind === 'terminated' ? r.state : fallback));
      }
      // Nothing changed since it finished: remember the status as written so no write follows.
      this.lastWritten = this.buildStatus();
      this.lastWrittenText = JSON.stringify(this.lastWritten);
      if (this.pod.metadata?.deletionTimestamp) void this.terminate();
      return;
    }
    const pending = this.adoptStatuses();
    this.scheduleDeadline();
    if (this.pod.metadata?.deletionTimestamp) {
      void this.terminate();
      return;
    }
    for (const [runner, termination] of pending) {
      if (runner.role === 'init' && termination.exitCode === 0) runner.markCompleted(termination);
      else if (runner.role === 'regular' && !this.initDone) {
        // Regular containers ran before, so initialization was done.
        this.initDone = true;
      }
    }
    for (const runner of pending.keys()) if (runner.begun) pending.delete(runner);
    this.pendingTerminations = pending;
    this.ctx.statusChanged(this);
    this.drive();
  }

  /** Reads container statuses an earlier kubelet wrote; returns the terminations still to act on. */
  private adoptStatuses(): Map<ContainerRunner, TerminatedState> {
    const pending = new Map<ContainerRunner, TerminatedState>();
    const adopt = (runners: ContainerRunner[], statuses: unknown[] | undefined) => {
      for (const runner of runners) {
        const status = (statuses as Array<{ name: string }> | undefined)?.find((s) => s.name === runner.name);
        if (!status) continue;
        const termination = runner.adopt(status as Parameters<ContainerRunner['adopt']>[0]);
        if (termination) pending.set(runner, termination);
      }
    };
    adopt(this.initRunners, this.pod.status?.initContainerStatuses);
    adopt(this.runners, this.pod.status?.containerStatuses);
    const initialized = this.pod.status?.conditions?.some(
      (c) => c.type === 'Initialized' && c.status === 'True',
    );
    if (initialized && this.initRunners.length > 0) this.initDone = true;
    return pending;
  }

  /** A newer version of the pod object arrived. */
  update(pod: V1Pod): void {
    const before = this.pod;
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp && !this.terminating) {
      void this.terminate();
      return;
    }
    if (before.spec?.activeDeadlineSeconds !== pod.spec?.activeDeadlineSeconds) this.scheduleDeadline();
    // Image is the one mutable container field that matters: a new image means a new container.
    for (const container of pod.spec?.containers ?? []) {
      const runner = this.runners.find((r) => r.name === container.name);
      if (runner && runner.spec.image !== container.image && !this.terminal && !this.finishing) {
        this.replaceContainer(runner, container);
      }
    }
    this.ctx.statusChanged(this);
  }

  private replaceContainer(old: ContainerRunner, spec: V1Container): void {
    if (this.replacing.has(old)) return;
    this.replacing.add(old);
    this.host.event(old, 'Normal', 'Killing', `Container ${old.name} definition changed, will be restarted`);
    const index = this.runners.indexOf(old);
    const replacement = new ContainerRunner(spec, 'regular', this.host);
    replacement.restartCount = old.restartCount + (old.everStarted ? 1 : 0);
    void old
      .stop(this.graceSeconds() * 1000, {
        preStop: true,
        message: `Container ${old.name} definition changed, will be restarted`,
      })
      .then(() => {
        this.replacing.delete(old);
        if (this.terminating || this.destroyed || this.runners[index] !== old) return;
        if (old.state.kind === 'terminated') {
          const { kind: _kind, ...termination } = old.state;
          replacement.lastTerminated = termination;
        }
        replacement.lastTerminatedInstance = old.latestInstance;
        this.runners[index] = replacement;
        this.drive();
      });
  }

  graceSeconds(): number {
    const fromDeletion = this.pod.metadata?.deletionGracePeriodSeconds;
    const grace = fromDeletion ?? this.pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    return Math.max(0, grace);
  }

  /** Level-triggered reconciliation of the containers; coalesced to one run per tick. */
  drive(): void {
    if (this.driveScheduled) return;
    this.driveScheduled = true;
    queueMicrotask(() => {
      this.driveScheduled = false;
      this.reconcile();
    });
  }

  private begin(runner: ContainerRunner): void {
    const termination = this.pendingTerminations.get(runner);
    if (termination) {
      this.pendingTerminations.delete(runner);
      runner.resume(termination);
    } else runner.begin();
  }

  private reconcile(): void {
    if (this.terminating || this.terminal || this.finishing || this.destroyed) return;
    if (!this.initDone) {
      for (const runner of this.initRunners) {
        if (runner.role === 'init' && runner.finished && runner.state.kind === 'terminated') {
          if (runner.state.exitCode === 0) continue;
          // Only a pod with restartPolicy Never lets a failed init container finish: the pod fails.
          void this.becomeTerminal();
          return;
        }
        if (!runner.begun) this.begin(runner);
        if (runner.role === 'sidecar' ? !runner.everStarted : true) return;
      }
      this.initDone = true;
      for (const runner of this.runners) {
        if (!runner.begun && runner.state.kind === 'waiting')
          runner.state = { kind: 'waiting', reason: 'ContainerCreating' };
      }
    }
    for (const runner of this.runners) if (!runner.begun) this.begin(runner);
    // A container being replaced (new image) has finished only to start again.
    if (
      this.restartPolicy !== 'Always' &&
      this.replacing.size === 0 &&
      this.runners.every((r) => r.finished)
    ) {
      void this.becomeTerminal();
    }
  }

  /** All regular containers are done for good (or init failed): stop sidecars, fix the phase. */
  private async becomeTerminal(): Promise<void> {
    if (this.terminal || this.finishing) return;
    // No restarts from here on, but the phase turns final only once every container (sidecars
    // included) has stopped, as with the kubelet.
    this.finishing = true;
    clearTimeout(this.deadlineTimer);
    const grace = this.graceSeconds() * 1000;
    await Promise.all(this.allRunners().map((r) => r.stop(grace, { preStop: true })));
    this.terminal = true;
    this.logger.info({ phase: podPhase(this.pod, this.snapshot()) }, 'pod finished');
    this.ctx.statusChanged(this);
  }

  private scheduleDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const seconds = this.pod.spec?.activeDeadlineSeconds;
    if (seconds === undefined || seconds === null || this.terminal) return;
    const due = (this.startTime ?? Date.now()) + seconds * 1000;
    this.deadlineTimer = setTimeout(() => void this.deadlineExceeded(), Math.max(0, due - Date.now()));
  }

  private async deadlineExceeded(): Promise<void> {
    if (this.terminal || this.finishing || this.terminating) return;
    this.failure = {
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
    };
    this.ctx.events.record(this.eventTarget(), 'Warning', 'DeadlineExceeded', this.failure.message);
    await this.becomeTerminal();
  }

  /** Graceful deletion: preStop, SIGTERM, grace, SIGKILL; final status; then remove the object. */
  terminate(): Promise<void> {
    this.terminationDone ??= this.runTermination();
    return this.terminationDone;
  }

  private async runTermination(): Promise<void> {
    this.terminating = true;
    clearTimeout(this.deadlineTimer);
    const graceMs = this.graceSeconds() * 1000;
    const deadline = Date.now() + graceMs;
    this.logger.info({ graceSeconds: graceMs / 1000 }, 'terminating pod');
    const live = (rs: ContainerRunner[]) => rs.filter((r) => r.running);
    for (const r of live(this.runners)) {
      this.host.event(r, 'Normal', 'Killing', `Stopping container ${r.name}`);
    }
    // Regular containers first, then sidecars in reverse order, like the kubelet.
    await Promise.all(this.runners.map((r) => r.stop(graceMs, { preStop: true })));
    for (const r of [...this.initRunners].reverse()) {
      await r.stop(Math.max(0, deadline - Date.now()), { preStop: true });
    }
    this.terminal = true;
    if (this.destroyed) return;
    try {
      await this.ctx.flushStatus(this);
    } catch (err) {
      this.logger.debug({ err: errorText(err) }, 'final status write failed');
    }
    if (!this.destroyed) await this.ctx.deletePod(this);
  }

  /** The pod object is gone: kill everything at once and free the address. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.terminating = true;
    clearTimeout(this.deadlineTimer);
    await Promise.all(this.allRunners().map((r) => r.kill()));
    if (this.pod.spec?.hostNetwork !== true) this.ctx.allocator.release(this.uid);
    await rm(this.podDir, { recursive: true, force: true }).catch(() => undefined);
  }

  /** Kubelet shutdown: stop processes with a short grace, keep the pod object and the address. */
  async shutdown(graceMs: number): Promise<void> {
    this.terminating = true;
    clearTimeout(this.deadlineTimer);
    await Promise.all(
      this.allRunners().map((r) => r.stop(Math.min(graceMs, this.graceSeconds() * 1000), { preStop: false })),
    );
  }

  snapshot() {
    return {
      ...(this.ip ? { podIP: this.ip } : {}),
      hostIP: this.ctx.hostIP,
      ...(this.startTime !== undefined ? { startTime: this.startTime } : {}),
      sandboxReady: this.ip !== undefined && !this.terminal,
      initContainers: this.initRunners.map((r) => r.snapshot()),
      containers: this.runners.map((r) => r.snapshot()),
      terminal: this.terminal,
      ...(this.failure ? { failure: this.failure } : {}),
    };
  }

  buildStatus(now = Date.now()): PodStatusJson {
    return buildPodStatus(withWrittenConditions(this.pod, this.lastWritten), this.snapshot(), now);
  }

  eventTarget(fieldPath?: string) {
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      namespace: this.namespace,
      name: this.name,
      uid: this.uid,
      ...(fieldPath ? { fieldPath } : {}),
    };
  }

  private shouldRestart(runner: ContainerRunner, exitCode: number): boolean {
    if (this.terminating || this.terminal || this.finishing || this.destroyed) return false;
    switch (runner.role) {
      case 'sidecar':
        return true;
      case 'init':
        return exitCode !== 0 && this.restartPolicy !== 'Never';
      default:
        return this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && exitCode !== 0);
    }
  }

  private makeRunnerHost(): RunnerHost {
    const worker = this;
    return {
      logger: this.logger,
      get podDescription() {
        return `${worker.name}_${worker.namespace}(${worker.uid})`;
      },
      podUid: this.uid,
      podKey: this.key,
      get logDir() {
        return worker.podDir;
      },
      logRotation: this.ctx.logRotation,
      crashLoopBackOff: this.ctx.crashLoopBackOff,
      imagePullBackOff: this.ctx.imagePullBackOff,
      podIP: () => this.ip ?? this.ctx.hostIP,
      podGraceSeconds: () => this.graceSeconds(),
      prepare: (container) => this.prepare(container),
      shouldRestart: (runner, exitCode) => this.shouldRestart(runner, exitCode),
      changed: () => {
        this.ctx.statusChanged(this);
        this.drive();
      },
      event: (runner, type, reason, message) =>
        this.ctx.events.record(this.eventTarget(runner.fieldPath), type, reason, message),
      trackProcess: (runner, pid) =>
        this.ctx.tracker
          .track(this.uid, this.key, runner.name, pid)
          .catch((err) => this.logger.warn({ err: errorText(err) }, 'could not write pid file')),
      untrackProcess: (runner) => this.ctx.tracker.untrack(this.uid, runner.name).catch(() => undefined),
      probeResult: (runner, kind, ok) => this.ctx.probeResult?.(this, runner, kind, ok),
      started: (runner, ok, reason) => this.ctx.containerStarted?.(runner, ok, reason),
    };
  }

  /** Image lookup, env (ConfigMaps, Secrets, service links), command: everything a start needs. */
  private async prepare(container: V1Container): Promise<PreparedContainer> {
    const lookup = this.ctx.registry.resolve(container.image ?? '');
    if (!lookup.ok) throw new WaitingError(lookup.reason, lookup.message);
    const refs = envReferences(container);
    const configMaps = new Map<string, V1ConfigMap | null>();
    const secrets = new Map<string, V1Secret | null>();
    await Promise.all([
      ...[...refs.configMaps].map(async (name) => {
        configMaps.set(
          name,
          await this.fetchOrNull('configmap', name, () =>
            this.ctx.core.readNamespacedConfigMap({ name, namespace: this.namespace }),
          ),
        );
      }),
      ...[...refs.secrets].map(async (name) => {
        secrets.set(
          name,
          await this.fetchOrNull('secret', name, () =>
            this.ctx.core.readNamespacedSecret({ name, namespace: this.namespace }),
          ),
        );
      }),
    ]);
    const podIP = this.ip ?? this.ctx.hostIP;
    let built: ReturnType<typeof buildContainerEnv>;
    try {
      built = buildContainerEnv({
        pod: this.pod,
        container,
        podIP,
        hostIP: this.ctx.hostIP,
        services: servicesVisibleTo(
          this.namespace,
          this.pod.spec?.enableServiceLinks !== false,
          this.ctx.services(),
        ),
        sources: { configMaps, secrets },
        imageEnv: lookup.image.env,
        baseEnv: this.ctx.baseEnv,
        nodeAllocatable: this.ctx.nodeAllocatable,
      });
    } catch (err) {
      if (err instanceof ContainerConfigError) throw new WaitingError(err.reason, err.message);
      throw err;
    }
    let argv: string[];
    try {
      argv = containerArgv(
        lookup.image,
        {
          command: expandArgv(container.command ?? [], built.declared),
          args: expandArgv(container.args ?? [], built.declared),
        },
        container.image ?? '',
      );
    } catch (err) {
      if (err instanceof ContainerCommandError) throw new WaitingError('CreateContainerError', err.message);
      throw err;
    }
    const imageCwd = lookup.image.cwd ?? this.podDir;
    const cwd = container.workingDir
      ? isAbsolute(container.workingDir)
        ? container.workingDir
        : resolve(imageCwd, container.workingDir)
      : imageCwd;
    if (!lookup.image.cwd && !container.workingDir) await mkdir(cwd, { recursive: true });
    return { argv, env: built.env, cwd, imageID: lookup.imageId };
  }

  private async fetchOrNull<T>(kind: string, name: string, read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (err) {
      if (apiStatusCode(err) === 404) return null;
      throw new WaitingError(
        'CreateContainerConfigError',
        `failed to read ${kind} "${name}": ${errorText(err)}`,
      );
    }
  }
}
