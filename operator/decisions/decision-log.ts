/**
 * The append-only decision log: every decision of the policy engine (and, later, its verification)
 * as one JSON line in a segment file under `--decision-log-dir`, and every control action a person
 * took (halt, pause, abort...) with who took it.
 *
 * - Appends are group-committed: lines written within `syncIntervalMs` (or `maxBatchEntries`) share
 *   one write and one fdatasync; `append*` resolves once its line is durable.
 * - Segments rotate at `maxSegmentBytes`; the oldest are deleted past `maxSegments` or `maxBytes`.
 * - Opening replays the segments: a torn last line (a crash mid-write) is cut off with a warning,
 *   corrupt lines are reported and skipped, and sequence numbers continue after the highest seen.
 * - A failed write or fsync puts the log in a failed state (appends reject) rather than retrying:
 *   after a failed fsync the kernel may have dropped the dirty pages, so only a reopen, which
 *   re-reads what really is on disk, can be trusted.
 * - Only small fields of each decision stay in memory (for filters); records are read back from
 *   disk on demand, with a small cache of parsed ones.
 */
import { type FileHandle, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { z } from 'zod';
import {
  type DecisionQuery,
  type DecisionQueryInput,
  type EntryKind,
  lineMayMatch,
  matchesControlText,
  matchesIndexed,
  matchesIndexedControl,
  matchesText,
  parseDecisionQuery,
  textNeedle,
  type VerdictFilter,
} from './query.ts';
import {
  type ControlView,
  type DecisionView,
  describeIssues,
  type LogEntry,
  type LoggedControl,
  LoggedControlSchema,
  type LoggedDecision,
  LoggedDecisionSchema,
  type LoggedOutcome,
  type LogItemView,
  type Verification,
  VerificationSchema,
} from './schemas.ts';
import {
  acquireLock,
  type CorruptLine,
  fsyncDir,
  listSegments,
  parseLine,
  type ScannedSegment,
  scanSegment,
  segmentFileName,
  truncateTo,
} from './segments.ts';

const MiB = 1024 * 1024;
/** A line longer than this is refused: a decision record is a few KiB. */
export const MAX_LINE_BYTES = MiB;

export const DecisionLogConfigSchema = z.strictObject({
  /** The directory (`--decision-log-dir`); created when missing. */
  dir: z.string().min(1),
  maxSegmentBytes: z
    .int()
    .min(4096)
    .max(1024 * MiB)
    .default(8 * MiB),
  /** Retention: the most segments kept, the active one included. */
  maxSegments: z.int().min(1).max(100_000).default(16),
  /** Retention: the most bytes kept; the active segment is never deleted. */
  maxBytes: z
    .int()
    .min(4096)
    .default(128 * MiB),
  /** How long an append waits for others to share its fsync. */
  syncIntervalMs: z.int().min(0).max(10_000).default(10),
  /** A batch this large is written at once. */
  maxBatchEntries: z.int().min(1).max(100_000).default(512),
});
export type DecisionLogConfig = z.input<typeof DecisionLogConfigSchema>;

export interface DecisionLogOptions extends DecisionLogConfig {
  logger?: Logger;
  /** Clock for `loggedAt`; injectable for tests. */
  now?: () => number;
}

export class DecisionLogConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionLogConfigError';
  }
}

/** A record or verification that cannot go into the log; the message names the field. */
export class DecisionLogInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionLogInputError';
  }
}

export class DecisionLogWriteError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'DecisionLogWriteError';
  }
}

export class DecisionLogClosedError extends Error {
  constructor() {
    super('the decision log is closed');
    this.name = 'DecisionLogClosedError';
  }
}

export interface AppendResult {
  seq: number;
  /** The record was already in the log (same decision id, or a verification of the same decision). */
  duplicate: boolean;
}

export interface DecisionPage {
  items: DecisionView[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: number;
}

/** A page of a query that may hold control actions too (`kind` other than `decision`). */
export interface LogPage {
  items: LogItemView[];
  nextCursor?: number;
}

/** A query input that asks for decisions only (the default), so its page holds only decisions. */
export type DecisionOnlyQueryInput = Omit<DecisionQueryInput, 'kind'> & { kind?: 'decision' };

export interface RecoveryReport {
  segments: number;
  entries: number;
  /** Bytes of a torn last line that were cut off. */
  tornBytes: number;
  corruptLines: number;
  /** The first corrupt lines, for the log and the dashboard. */
  corrupt: CorruptLine[];
  /** Verifications whose decision is no longer (or was never) in the log. */
  orphanVerifications: number;
  lastSeq: number;
}

export interface DecisionLogStats {
  segments: number;
  bytes: number;
  decisions: number;
  verified: number;
  controls: number;
  lastSeq: number;
  /** Lines that failed to parse when read back after opening. */
  readErrors: number;
  failed: boolean;
}

interface Segment {
  firstSeq: number;
  path: string;
  /** Bytes assigned to this segment, buffered ones included. */
  size: number;
  fileExists: boolean;
  deleted: boolean;
  reader?: Promise<FileHandle>;
}

interface Location {
  seq: number;
  segment: Segment;
  offset: number;
  length: number;
}

interface VerificationRef extends Location {
  verdict: Exclude<VerdictFilter, 'Unverified'>;
}

interface DecisionRef extends Location {
  id: string;
  timeMs: number;
  namespace: string;
  policy: string;
  target: string;
  action: string;
  outcome: LoggedOutcome;
  verification?: VerificationRef;
}

interface ControlRef extends Location {
  id: string;
  timeMs: number;
  action: string;
  by: string;
  outcome: string;
  targetKind?: string;
  namespace?: string;
  target?: string;
}

interface PendingWrite {
  seq: number;
  segment: Segment;
  line: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

const CACHE_ENTRIES = 2048;
const REPORTED_CORRUPT = 100;

export class DecisionLog {
  readonly dir: string;
  readonly recovery: RecoveryReport;
  private readonly config: z.infer<typeof DecisionLogConfigSchema>;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly releaseLock: () => Promise<void>;
  private segments: Segment[] = [];
  /** Decisions by sequence; replaced (never spliced) on retention so running queries keep theirs. */
  private decisions: DecisionRef[] = [];
  private readonly byId = new Map<string, DecisionRef>();
  /** Control actions by sequence, and by id; same rules as the decisions. */
  private controls: ControlRef[] = [];
  private readonly controlsById = new Map<string, ControlRef>();
  private seq = 0;
  private queue: PendingWrite[] = [];
  private readonly pendingLines = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private writer: { segment: Segment; fh: FileHandle } | undefined;
  private failure: DecisionLogWriteError | undefined;
  private closed = false;
  private readErrors = 0;
  private readonly reportedBadSeqs = new Set<number>();
  private readonly cache = new Map<number, LogEntry>();

  private constructor(
    config: z.infer<typeof DecisionLogConfigSchema>,
    logger: Logger,
    now: () => number,
    releaseLock: () => Promise<void>,
    recovery: RecoveryReport,
  ) {
    this.config = config;
    this.dir = config.dir;
    this.logger = logger;
    this.now = now;
    this.releaseLock = releaseLock;
    this.recovery = recovery;
  }

  /** Opens (or creates) the log in `opts.dir` and replays it. */
  static async open(opts: DecisionLogOptions): Promise<DecisionLog> {
    const { logger: givenLogger, now, ...rest } = opts;
    const parsed = DecisionLogConfigSchema.safeParse(rest);
    if (!parsed.success)
      throw new DecisionLogConfigError(`invalid decision log configuration: ${describeIssues(parsed.error)}`);
    const config = parsed.data;
    const logger = givenLogger ?? pino({ name: 'decision-log' });
    await mkdir(config.dir, { recursive: true });
    const release = await acquireLock(config.dir, logger);
    try {
      const files = await listSegments(config.dir);
      const scans: ScannedSegment[] = [];
      for (const f of files) scans.push(await scanSegment(f));
      const recovery: RecoveryReport = {
        segments: files.length,
        entries: 0,
        tornBytes: 0,
        corruptLines: 0,
        corrupt: [],
        orphanVerifications: 0,
        lastSeq: 0,
      };
      const log = new DecisionLog(config, logger, now ?? Date.now, release, recovery);
      await log.replay(files, scans);
      return log;
    } catch (e) {
      await release();
      throw e;
    }
  }

  private async replay(files: { firstSeq: number; path: string }[], scans: ScannedSegment[]): Promise<void> {
    const r = this.recovery;
    let maxSeq = 0;
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      const scan = scans[i];
      const last = i === files.length - 1;
      if (scan.tornBytes > 0) {
        if (last) {
          this.logger.warn(
            { file: file.path, bytes: scan.tornBytes },
            'decision log ends with a torn line (a crash mid-write); cutting it off',
          );
          await truncateTo(file.path, scan.validSize);
          r.tornBytes = scan.tornBytes;
        } else {
          scan.corrupt.push({
            file: file.path,
            line: 0,
            offset: scan.validSize,
            error: `${scan.tornBytes} bytes without a final newline`,
          });
        }
      }
      const segment: Segment = {
        firstSeq: file.firstSeq,
        path: file.path,
        size: scan.validSize,
        fileExists: true,
        deleted: false,
      };
      this.segments.push(segment);
      for (const c of scan.corrupt) this.reportCorrupt(c);
      maxSeq = Math.max(maxSeq, scan.maxSeq, file.firstSeq - 1);
      for (const { entry, offset, length } of scan.entries) {
        const loc = { seq: entry.seq, segment, offset, length };
        if (entry.kind === 'decision') {
          if (this.byId.has(entry.decision.id)) {
            this.reportCorrupt({
              file: file.path,
              line: 0,
              offset,
              error: `decision ${entry.decision.id} logged twice; keeping the first`,
            });
            continue;
          }
          this.indexDecision(entry.decision, loc);
        } else if (entry.kind === 'control') {
          if (this.controlsById.has(entry.control.id)) {
            this.reportCorrupt({
              file: file.path,
              line: 0,
              offset,
              error: `control ${entry.control.id} logged twice; keeping the first`,
            });
            continue;
          }
          this.indexControl(entry.control, loc);
        } else {
          const d = this.byId.get(entry.verification.decisionId);
          if (!d || d.verification) {
            r.orphanVerifications++;
            continue;
          }
          d.verification = { ...loc, verdict: entry.verification.verdict };
        }
        r.entries++;
      }
    }
    this.seq = maxSeq;
    r.lastSeq = maxSeq;
    await this.enforceRetention();
    if (r.corruptLines > 0 || r.tornBytes > 0)
      this.logger.warn(
        { corruptLines: r.corruptLines, tornBytes: r.tornBytes, entries: r.entries },
        'decision log recovered with damage',
      );
  }

  private reportCorrupt(c: CorruptLine): void {
    this.recovery.corruptLines++;
    if (this.recovery.corrupt.length < REPORTED_CORRUPT) {
      this.recovery.corrupt.push(c);
      this.logger.warn(c, 'skipping a corrupt decision log line');
    }
  }

  private indexDecision(d: LoggedDecision, loc: Location): DecisionRef {
    const ref: DecisionRef = {
      ...loc,
      id: d.id,
      timeMs: Date.parse(d.time),
      namespace: d.policy.namespace,
      policy: d.policy.name,
      target: d.target.name,
      action: d.action,
      outcome: d.outcome,
    };
    this.decisions.push(ref);
    this.byId.set(d.id, ref);
    return ref;
  }

  private indexControl(c: LoggedControl, loc: Location): ControlRef {
    const ref: ControlRef = {
      ...loc,
      id: c.id,
      timeMs: Date.parse(c.time),
      action: c.action,
      by: c.by,
      outcome: c.outcome,
      ...(c.target
        ? {
            targetKind: c.target.kind,
            target: c.target.name,
            ...(c.target.namespace ? { namespace: c.target.namespace } : {}),
          }
        : {}),
    };
    this.controls.push(ref);
    this.controlsById.set(c.id, ref);
    return ref;
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /** The highest sequence number handed out so far. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Appends a decision; resolves with its sequence number once it is on disk. A decision whose id is
   * already in the log is not written again (reconciles are retried): its first sequence number is
   * returned with `duplicate`.
   */
  async appendDecision(decision: LoggedDecision): Promise<AppendResult> {
    return this.appendOnce({
      what: 'decision record',
      parsed: LoggedDecisionSchema.safeParse(decision),
      firstSeq: () => this.byId.get(decision.id)?.seq,
      entry: (seq, loggedAt) => ({ seq, kind: 'decision', loggedAt, decision }),
      index: (loc) => this.indexDecision(decision, loc),
    });
  }

  /** Appends the verification of a decision that is in the log; a second one for it is not written. */
  async appendVerification(verification: Verification): Promise<AppendResult> {
    return this.appendOnce({
      what: 'verification',
      parsed: VerificationSchema.safeParse(verification),
      firstSeq: () => {
        const d = this.byId.get(verification.decisionId);
        if (!d)
          throw new DecisionLogInputError(
            `invalid verification: decisionId: no decision ${verification.decisionId} in the log`,
          );
        return d.verification?.seq;
      },
      entry: (seq, loggedAt) => ({ seq, kind: 'verification', loggedAt, verification }),
      index: (loc) => {
        this.byId.get(verification.decisionId)!.verification = { ...loc, verdict: verification.verdict };
      },
    });
  }

  /**
   * Appends a control action (with who took it); resolves once it is on disk. An id already in the
   * log is not written again: its first sequence number is returned with `duplicate`.
   */
  async appendControl(control: LoggedControl): Promise<AppendResult> {
    return this.appendOnce({
      what: 'control record',
      parsed: LoggedControlSchema.safeParse(control),
      firstSeq: () => this.controlsById.get(control.id)?.seq,
      entry: (seq, loggedAt) => ({ seq, kind: 'control', loggedAt, control }),
      index: (loc) => this.indexControl(control, loc),
    });
  }

  /** Validates, writes a record at most once (by its identity), indexes it, and waits for the disk. */
  private async appendOnce(o: {
    what: string;
    parsed: { success: true } | { success: false; error: z.ZodError };
    /** The sequence number the record was first written with, if it was. */
    firstSeq: () => number | undefined;
    entry: (seq: number, loggedAt: string) => LogEntry;
    index: (loc: Location) => void;
  }): Promise<AppendResult> {
    this.assertWritable();
    if (!o.parsed.success)
      throw new DecisionLogInputError(`invalid ${o.what}: ${describeIssues(o.parsed.error)}`);
    const first = o.firstSeq();
    if (first !== undefined) {
      await this.sync();
      return { seq: first, duplicate: true };
    }
    const { loc, done } = this.enqueue(o.entry(this.seq + 1, new Date(this.now()).toISOString()));
    o.index(loc);
    await done;
    return { seq: loc.seq, duplicate: false };
  }

  /** Writes and fsyncs everything appended so far. */
  async sync(): Promise<void> {
    this.startFlush();
    await this.flushing;
    if (this.failure) throw this.failure;
  }

  private assertWritable(): void {
    if (this.closed) throw new DecisionLogClosedError();
    if (this.failure) throw this.failure;
  }

  private enqueue(entry: LogEntry): { loc: Location; done: Promise<void> } {
    // seq first: a damaged line still shows its number (see scanSegment).
    const line = `${JSON.stringify(entry)}\n`;
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_LINE_BYTES)
      throw new DecisionLogInputError(
        `${entry.kind} record is ${bytes} bytes; at most ${MAX_LINE_BYTES} fit in one line`,
      );
    this.seq = entry.seq;
    let segment = this.segments.at(-1);
    if (!segment || (segment.size > 0 && segment.size + bytes > this.config.maxSegmentBytes)) {
      segment = {
        firstSeq: entry.seq,
        path: join(this.dir, segmentFileName(entry.seq)),
        size: 0,
        fileExists: false,
        deleted: false,
      };
      this.segments.push(segment);
    }
    const loc: Location = { seq: entry.seq, segment, offset: segment.size, length: bytes };
    segment.size += bytes;
    this.pendingLines.set(entry.seq, line);
    this.cache.delete(entry.seq);
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ seq: entry.seq, segment: loc.segment, line, resolve, reject });
    });
    if (this.queue.length >= this.config.maxBatchEntries) this.startFlush();
    else this.timer ??= setTimeout(() => this.startFlush(), this.config.syncIntervalMs);
    return { loc, done };
  }

  private startFlush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return;
    // One batch at a time, in order; a batch queued meanwhile goes after.
    this.flushing = this.flushing.then(() => this.writeBatch());
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.failure) {
      for (const w of batch) w.reject(this.failure);
      return;
    }
    try {
      let i = 0;
      while (i < batch.length) {
        const segment = batch[i].segment;
        let j = i;
        let chunk = '';
        while (j < batch.length && batch[j].segment === segment) chunk += batch[j++].line;
        if (this.writer?.segment !== segment) {
          await this.closeWriter();
          const fh = await open(segment.path, 'a');
          this.writer = { segment, fh };
          if (!segment.fileExists) {
            segment.fileExists = true;
            fsyncDir(this.dir);
          }
        }
        await this.writer.fh.appendFile(chunk);
        await this.writer.fh.datasync();
        i = j;
      }
    } catch (e) {
      this.fail(e, batch);
      return;
    }
    for (const w of batch) this.pendingLines.delete(w.seq);
    // Every batch grows the total, not just a rotation; done before the appends resolve, so the
    // bound holds whenever nothing is being written. A failure here loses nothing that was written.
    await this.enforceRetention().catch((e: Error) =>
      this.logger.warn({ err: e.message, dir: this.dir }, 'decision log retention failed'),
    );
    for (const w of batch) w.resolve();
  }

  private fail(cause: unknown, batch: PendingWrite[]): void {
    this.failure = new DecisionLogWriteError(
      `decision log write failed: ${(cause as Error).message}; reopen the log to continue`,
      cause,
    );
    this.logger.error({ err: (cause as Error).message, dir: this.dir }, 'decision log write failed');
    // What never reached the disk leaves the index, so no query shows it.
    const lost = [...batch, ...this.queue];
    this.queue = [];
    const firstLost = Math.min(...lost.map((w) => w.seq));
    while ((this.decisions.at(-1)?.seq ?? 0) >= firstLost) {
      const d = this.decisions.pop()!;
      this.byId.delete(d.id);
    }
    for (const d of this.decisions)
      if (d.verification && d.verification.seq >= firstLost) d.verification = undefined;
    while ((this.controls.at(-1)?.seq ?? 0) >= firstLost) this.controlsById.delete(this.controls.pop()!.id);
    for (const w of lost) {
      this.pendingLines.delete(w.seq);
      w.reject(this.failure);
    }
  }

  private async closeWriter(): Promise<void> {
    if (!this.writer) return;
    const { fh } = this.writer;
    this.writer = undefined;
    await fh.datasync();
    await fh.close();
  }

  private async enforceRetention(): Promise<void> {
    const { maxSegments, maxBytes } = this.config;
    let total = this.segments.reduce((n, s) => n + s.size, 0);
    let removed = false;
    while (this.segments.length > 1 && (this.segments.length > maxSegments || total > maxBytes)) {
      const old = this.segments.shift()!;
      total -= old.size;
      old.deleted = true;
      const reader = old.reader;
      old.reader = undefined;
      if (reader) await (await reader).close().catch(() => {});
      await unlink(old.path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') this.logger.warn({ file: old.path, err: e.message }, 'could not delete');
      });
      removed = true;
    }
    if (!removed) return;
    const cut = this.segments[0].firstSeq;
    const keepFrom = lowerBound(this.decisions, cut);
    for (let i = 0; i < keepFrom; i++) this.byId.delete(this.decisions[i].id);
    this.decisions = this.decisions.slice(keepFrom);
    const keepControlsFrom = lowerBound(this.controls, cut);
    for (let i = 0; i < keepControlsFrom; i++) this.controlsById.delete(this.controls[i].id);
    this.controls = this.controls.slice(keepControlsFrom);
    for (const seq of this.cache.keys()) if (seq < cut) this.cache.delete(seq);
    fsyncDir(this.dir);
  }

  /** Writes what is pending, then closes the files and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.startFlush();
    await this.flushing;
    this.closed = true;
    await this.closeWriter().catch(() => {});
    for (const s of this.segments) {
      const r = s.reader;
      s.reader = undefined;
      if (r) await (await r).close().catch(() => {});
    }
    await this.releaseLock();
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** The decision with this id, with its verification when there is one. */
  async get(id: string): Promise<DecisionView | undefined> {
    const ref = this.byId.get(id);
    return ref ? this.view(ref) : undefined;
  }

  /**
   * Decisions matching the filters, one page at a time: newest first (default) or oldest first.
   * With `kind` naming `control` too (or only), control actions come in the same sequence order.
   * Throws DecisionQueryError naming a bad parameter.
   */
  async query(input?: DecisionOnlyQueryInput): Promise<DecisionPage>;
  async query(input: DecisionQueryInput): Promise<LogPage>;
  async query(input: DecisionQueryInput = {}): Promise<LogPage> {
    const q = parseDecisionQuery(input);
    const needle = q.text === undefined ? undefined : textNeedle(q.text);
    const scanner = needle === undefined ? undefined : new TextScanner(this, needle);
    const items: LogItemView[] = [];
    let nextCursor: number | undefined;
    for (const { kind, ref } of this.walk(q)) {
      if (kind === 'decision') {
        if (!matchesIndexed(q, { ...ref, verdict: ref.verification?.verdict ?? 'Unverified' })) continue;
      } else if (!matchesIndexedControl(q, ref as ControlRef)) continue;
      if (scanner && !(await this.textMatches(ref, scanner))) continue;
      // Look one match past a full page, so the last page carries no cursor.
      if (items.length === q.limit) {
        nextCursor = items[items.length - 1].seq;
        break;
      }
      const v = kind === 'decision' ? await this.view(ref as DecisionRef) : await this.controlView(ref);
      if (v) items.push(v);
    }
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }

  /** The entries of the kinds asked for, from the cursor on, in the query's order, merged by seq. */
  private *walk(
    q: DecisionQuery,
  ): Generator<{ kind: 'decision'; ref: DecisionRef } | { kind: 'control'; ref: ControlRef }> {
    const newest = q.order === 'newest';
    const step = newest ? -1 : 1;
    const start = (entries: readonly Location[]) => {
      if (newest) return (q.cursor === undefined ? entries.length : lowerBound(entries, q.cursor)) - 1;
      return q.cursor === undefined ? 0 : lowerBound(entries, q.cursor + 1);
    };
    const want = (k: EntryKind) => q.kind.includes(k);
    // Taken once: retention replaces the arrays, so a running query keeps a consistent view.
    const decisions = want('decision') ? this.decisions : [];
    const controls = want('control') ? this.controls : [];
    let i = start(decisions);
    let j = start(controls);
    const inRange = (k: number, n: number) => k >= 0 && k < n;
    for (;;) {
      const d = inRange(i, decisions.length) ? decisions[i] : undefined;
      const c = inRange(j, controls.length) ? controls[j] : undefined;
      if (!d && !c) return;
      const takeDecision = d && (!c || (newest ? d.seq > c.seq : d.seq < c.seq));
      if (takeDecision) {
        i += step;
        yield { kind: 'decision', ref: d };
      } else {
        j += step;
        yield { kind: 'control', ref: c! };
      }
    }
  }

  /**
   * Decisions since `sinceMs` (decision time) with one of `outcomes` and no verification yet,
   * oldest first: what a restarted verifier still has to check.
   */
  async unverified(opts: { sinceMs: number; outcomes: readonly LoggedOutcome[] }): Promise<DecisionView[]> {
    const out: DecisionView[] = [];
    for (const ref of this.decisions) {
      if (ref.verification || ref.timeMs < opts.sinceMs || !opts.outcomes.includes(ref.outcome)) continue;
      const v = await this.view(ref);
      if (v) out.push(v);
    }
    return out;
  }

  /** Whether a decision with this id is in the log. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Whether the decision with this id has a verification (written or being written). */
  isVerified(id: string): boolean {
    return this.byId.get(id)?.verification !== undefined;
  }

  stats(): DecisionLogStats {
    let verified = 0;
    for (const d of this.decisions) if (d.verification) verified++;
    return {
      segments: this.segments.length,
      bytes: this.segments.reduce((n, s) => n + s.size, 0),
      decisions: this.decisions.length,
      verified,
      controls: this.controls.length,
      lastSeq: this.seq,
      readErrors: this.readErrors,
      failed: this.failure !== undefined,
    };
  }

  private async textMatches(ref: Location, scanner: TextScanner): Promise<boolean> {
    const line = await scanner.candidate(ref);
    if (line === undefined) return false;
    const entry = this.parseAt(ref, line);
    if (entry?.kind === 'decision') return matchesText(entry.decision, scanner.needle);
    return entry?.kind === 'control' && matchesControlText(entry.control, scanner.needle);
  }

  /** The control action with this id. */
  async getControl(id: string): Promise<ControlView | undefined> {
    const ref = this.controlsById.get(id);
    return ref ? this.controlView(ref) : undefined;
  }

  private async controlView(ref: Location): Promise<ControlView | undefined> {
    const entry = await this.entryAt(ref);
    if (entry?.kind !== 'control') return undefined;
    return { seq: entry.seq, loggedAt: entry.loggedAt, control: entry.control };
  }

  private async view(ref: DecisionRef): Promise<DecisionView | undefined> {
    const entry = await this.entryAt(ref);
    if (entry?.kind !== 'decision') return undefined;
    const view: DecisionView = { seq: entry.seq, loggedAt: entry.loggedAt, decision: entry.decision };
    const vref = ref.verification;
    if (vref) {
      const v = await this.entryAt(vref);
      if (v?.kind === 'verification') view.verification = { ...v.verification, seq: v.seq };
    }
    return view;
  }

  private async entryAt(loc: Location): Promise<LogEntry | undefined> {
    const cached = this.cache.get(loc.seq);
    if (cached) return cached;
    const line = await this.readLine(loc);
    return line === undefined ? undefined : this.parseAt(loc, line);
  }

  private parseAt(loc: Location, line: string): LogEntry | undefined {
    const cached = this.cache.get(loc.seq);
    if (cached) return cached;
    const parsed = parseLine(line.trimEnd());
    if ('error' in parsed || parsed.entry.seq !== loc.seq) {
      this.readErrors++;
      if (!this.reportedBadSeqs.has(loc.seq)) {
        this.reportedBadSeqs.add(loc.seq);
        this.logger.warn(
          {
            file: loc.segment.path,
            offset: loc.offset,
            seq: loc.seq,
            error: 'error' in parsed ? parsed.error : `found sequence ${parsed.entry.seq}`,
          },
          'skipping a decision log line that changed on disk',
        );
      }
      return undefined;
    }
    this.cache.set(loc.seq, parsed.entry);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return parsed.entry;
  }

  /** @internal One line by its location: from memory while it waits for its write, else from the file. */
  async readLine(loc: Location): Promise<string | undefined> {
    const pending = this.pendingLines.get(loc.seq);
    if (pending !== undefined) return pending;
    const { segment } = loc;
    if (segment.deleted) return undefined;
    try {
      segment.reader ??= open(segment.path, 'r');
      const fh = await segment.reader;
      const buf = Buffer.allocUnsafe(loc.length);
      const { bytesRead } = await fh.read(buf, 0, loc.length, loc.offset);
      return buf.toString('utf8', 0, bytesRead);
    } catch (e) {
      // Retention may delete the segment under a running query.
      if (segment.deleted) return undefined;
      // Do not keep a handle that never opened.
      segment.reader = undefined;
      throw e;
    }
  }

  /** @internal Whole-segment reads for scans that look at many lines (text search). */
  async readSegment(segment: Segment): Promise<Buffer | undefined> {
    if (segment.deleted || !segment.fileExists) return undefined;
    try {
      return await readFile(segment.path);
    } catch (e) {
      if (segment.deleted) return undefined;
      throw e;
    }
  }
}

/**
 * Text search, a segment at a time: the segment is decoded and lower-cased once and searched for
 * the (JSON-escaped) needle in one pass; only lines holding it are parsed and checked field by field.
 */
class TextScanner {
  private readonly escaped: string;
  private current: { segment: Segment; buf: Buffer; hits: Set<number> } | undefined;

  constructor(
    private readonly log: DecisionLog,
    readonly needle: string,
  ) {
    this.escaped = JSON.stringify(needle).slice(1, -1);
  }

  /** The raw line when it may match, else undefined. */
  async candidate(loc: Location): Promise<string | undefined> {
    if (this.current?.segment !== loc.segment) this.current = await this.load(loc.segment);
    const { buf, hits } = this.current;
    if (loc.offset + loc.length <= buf.length)
      return hits.has(loc.offset) ? buf.toString('utf8', loc.offset, loc.offset + loc.length) : undefined;
    // Written after the segment was read, or still in memory: one by one.
    const line = await this.log.readLine(loc);
    return line !== undefined && lineMayMatch(line, this.needle) ? line : undefined;
  }

  private async load(segment: Segment): Promise<{ segment: Segment; buf: Buffer; hits: Set<number> }> {
    const buf = (await this.log.readSegment(segment)) ?? Buffer.alloc(0);
    const hits = new Set<number>();
    const lower = buf.toString('utf8').toLowerCase();
    // Lower-casing may change lengths, so lines are walked in the string and in the bytes side by
    // side: a newline is one byte and one character, and the escaped needle holds none.
    let byteStart = 0;
    let strStart = 0;
    let strEnd = lineEnd(lower, 0);
    for (let at = lower.indexOf(this.escaped); at !== -1; at = lower.indexOf(this.escaped, strEnd + 1)) {
      while (strEnd < at) {
        byteStart = buf.indexOf(0x0a, byteStart) + 1;
        strStart = strEnd + 1;
        strEnd = lineEnd(lower, strStart);
      }
      hits.add(byteStart);
    }
    return { segment, buf, hits };
  }
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i === -1 ? text.length : i;
}

/** First index whose seq is >= seq. */
function lowerBound(entries: readonly { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type { DecisionQuery };
