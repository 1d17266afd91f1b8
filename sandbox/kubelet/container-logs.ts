// Container log files in the CRI format the kubelet reads ("<RFC3339Nano> <stream> <P|F> <text>"),
// one file per container instance, rotated at a size bound, and the reader behind
// /containerLogs (tailLines, sinceTime, limitBytes, timestamps, follow).

import { EventEmitter } from 'node:events';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { rfc3339Nano } from './k8s-time.ts';

export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  /** RFC 3339 with nanoseconds. */
  time: string;
  stream: LogStream;
  /** A partial line: the program wrote more than the line limit without a newline. */
  partial: boolean;
  content: string;
}

export interface LogRotation {
  /** Rotate the file when it grows past this many bytes. */
  maxBytes: number;
  /** Files kept per container instance, the live one included. */
  maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, maxFiles: 2 };

/** Longer output without a newline is split into partial lines, like containerd's 16 KiB buffer. */
const MAX_LINE = 16 * 1024;

export function formatCriLine(line: LogLine): string {
  return `${line.time} ${line.stream} ${line.partial ? 'P' : 'F'} ${line.content}\n`;
}

export function parseCriLine(text: string): LogLine | undefined {
  const first = text.indexOf(' ');
  const second = text.indexOf(' ', first + 1);
  const third = text.indexOf(' ', second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  const stream = text.slice(first + 1, second);
  const tag = text.slice(second + 1, third);
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 'P' && tag !== 'F')) return undefined;
  return { time: text.slice(0, first), stream, partial: tag === 'P', content: text.slice(third + 1) };
}

/** The paths of one instance's log, oldest first: rotated files, then the live one. */
export function logFiles(path: string, maxFiles: number): string[] {
  const files: string[] = [];
  for (let i = maxFiles - 1; i >= 1; i--) {
    try {
      statSync(`${path}.${i}`);
      files.push(`${path}.${i}`);
    } catch {
      // not rotated that far
    }
  }
  try {
    statSync(path);
    files.push(path);
  } catch {
    // never written
  }
  return files;
}

export class ContainerLogWriter extends EventEmitter<{ line: [LogLine]; close: [] }> {
  private fd: number;
  private size: number;
  private readonly partial: Record<LogStream, Buffer[]> = { stdout: [], stderr: [] };
  private closed = false;
  private lastMs = 0;
  private seq = 0;

  constructor(
    readonly path: string,
    private readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {
    super();
    this.setMaxListeners(0);
    mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(stream: LogStream, chunk: Buffer): void {
    if (this.closed) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.emitLine(stream, Buffer.concat([...this.partial[stream], chunk.subarray(start, nl)]), false);
      this.partial[stream] = [];
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.partial[stream].push(chunk.subarray(start));
      const pending = this.partial[stream].reduce((n, b) => n + b.length, 0);
      if (pending >= MAX_LINE) {
        this.emitLine(stream, Buffer.concat(this.partial[stream]), true);
        this.partial[stream] = [];
      }
    }
  }

  /** Flushes unterminated output and closes the file; followers see the end. */
  close(): void {
    if (this.closed) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length) this.emitLine(stream, Buffer.concat(this.partial[stream]), false);
      this.partial[stream] = [];
    }
    this.closed = true;
    closeSync(this.fd);
    this.emit('close');
  }

  private timestamp(): string {
    // Distinct, increasing timestamps keep lines ordered when merged by time.
    const now = Date.now();
    if (now === this.lastMs) this.seq++;
    else {
      this.lastMs = now;
      this.seq = 0;
    }
    return rfc3339Nano(now, Math.min(this.seq, 999_999));
  }

  private emitLine(stream: LogStream, content: Buffer, partial: boolean): void {
    let text = content.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const line: LogLine = { time: this.timestamp(), stream, partial, content: text };
    const bytes = Buffer.from(formatCriLine(line));
    if (this.size > 0 && this.size + bytes.length > this.rotation.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
    this.emit('line', line);
  }

  private rotate(): void {
    closeSync(this.fd);
    const keep = this.rotation.maxFiles - 1;
    if (keep < 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) {
        try {
          renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        } catch {
          // not rotated that far yet
        }
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}

export interface LogQuery {
  tailLines?: number;
  limitBytes?: number;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
  timestamps?: boolean;
}

/** What the reader hands back: each line formatted as `kubectl logs` prints it. */
export function renderLogLine(line: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${line.time} ` : ''}${line.content}${line.partial ? '' : '\n'}`;
}

interface OpenFile {
  fd: number;
  size: number;
}

/**
 * Opens the instance's files as they are right now. Open descriptors survive a rotation, so a
 * snapshot taken in the same tick as a follow subscription neither loses nor repeats lines.
 */
export function openLogSnapshot(path: string, maxFiles: number): OpenFile[] {
  const out: OpenFile[] = [];
  for (const file of logFiles(path, maxFiles)) {
    try {
      const fd = openSync(file, 'r');
      out.push({ fd, size: fstatSync(fd).size });
    } catch {
      // rotated away between listing and opening
    }
  }
  return out;
}

function closeSnapshot(files: OpenFile[]): void {
  for (const f of files) closeSync(f.fd);
}

function* forwardLines(files: OpenFile[]): Generator<string> {
  const chunk = Buffer.alloc(64 * 1024);
  for (const file of files) {
    let position = 0;
    let carry = '';
    while (position < file.size) {
      const n = readSync(file.fd, chunk, 0, Math.min(chunk.length, file.size - position), position);
      if (n <= 0) break;
      position += n;
      const text = carry + chunk.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      carry = lines.pop()!;
      yield* lines;
    }
    if (carry) yield carry;
  }
}

/** The last `count` raw lines, reading backwards so a large file is not read whole. */
function lastLines(files: OpenFile[], count: number): string[] {
  const out: string[] = [];
  const chunk = Buffer.alloc(64 * 1024);
  for (let f = files.length - 1; f >= 0 && out.length < count; f--) {
    const file = files[f];
    let position = file.size;
    let carry = Buffer.alloc(0);
    while (position > 0 && out.length < count) {
      const start = Math.max(0, position - chunk.length);
      const n = readSync(file.fd, chunk, 0, position - start, start);
      position = start;
      let buf = Buffer.concat([chunk.subarray(0, n), carry]);
      let end = buf.length;
      // Split on newlines from the back; the file's final newline ends the last line.
      for (let i = buf.length - 1; i >= 0 && out.length < count; i--) {
        if (buf[i] !== 10) continue;
        if (i + 1 < end) out.push(buf.subarray(i + 1, end).toString('utf8'));
        end = i;
      }
      buf = buf.subarray(0, end);
      carry = Buffer.from(buf);
    }
    if (carry.length && out.length < count) out.push(carry.toString('utf8'));
  }
  return out.reverse();
}

/** Reads an instance's history from a snapshot, applying the query. Closes the snapshot. */
export function readLogSnapshot(files: OpenFile[], query: LogQuery): LogLine[] {
  try {
    const raw =
      query.tailLines !== undefined ? lastLines(files, Math.max(0, query.tailLines)) : forwardLines(files);
    const lines: LogLine[] = [];
    for (const text of raw) {
      const line = parseCriLine(text);
      if (!line) continue;
      if (query.sinceMs !== undefined && Date.parse(line.time) < query.sinceMs) continue;
      lines.push(line);
    }
    return lines;
  } finally {
    closeSnapshot(files);
  }
}
