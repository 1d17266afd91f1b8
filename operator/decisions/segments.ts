/**
 * The decision log on disk: segment files named after the sequence number of their first line
 * (`decisions-00000000000000000001.jsonl`), JSON lines, and a LOCK file that keeps a second live
 * process on the same host out of the directory.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { describeIssues, IndexedEntrySchema, type LogEntry, LogEntrySchema } from './schemas.ts';

const SEGMENT_RE = /^decisions-(\d{20})\.jsonl$/;
const NEWLINE = 0x0a;

export function segmentFileName(firstSeq: number): string {
  return `decisions-${String(firstSeq).padStart(20, '0')}.jsonl`;
}

export interface SegmentFile {
  firstSeq: number;
  path: string;
}

/** Segment files of the directory, oldest first. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const names = await readdir(dir);
  return names
    .map((n) => {
      const m = SEGMENT_RE.exec(n);
      return m ? { firstSeq: Number(m[1]), path: join(dir, n) } : undefined;
    })
    .filter((s): s is SegmentFile => s !== undefined)
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/** A line that could not be used, and why. */
export interface CorruptLine {
  file: string;
  line: number;
  offset: number;
  error: string;
}

export interface ScannedEntry {
  entry: LogEntry;
  offset: number;
  length: number;
}

export interface ScannedSegment {
  entries: ScannedEntry[];
  corrupt: CorruptLine[];
  /** Bytes after the last newline: a torn write. */
  tornBytes: number;
  /** Size up to and including the last newline. */
  validSize: number;
  /** The highest sequence number seen, in valid lines or legible in corrupt ones. */
  maxSeq: number;
}

/**
 * Parses one line; the error names what is wrong. `schema` is the full entry schema by default;
 * opening the log checks only the indexed fields (IndexedEntrySchema) and types the rest on trust.
 */
export function parseLine(
  text: string,
  schema: z.ZodType = LogEntrySchema,
): { entry: LogEntry } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(json);
  if (!r.success) return { error: `invalid entry: ${describeIssues(r.error)}` };
  return { entry: r.data as LogEntry };
}

/**
 * Reads a whole segment: every complete line is checked (the fields the index needs); bad ones are
 * reported, never thrown.
 */
export async function scanSegment(file: SegmentFile): Promise<ScannedSegment> {
  const buf = await readFile(file.path);
  const entries: ScannedEntry[] = [];
  const corrupt: CorruptLine[] = [];
  let maxSeq = 0;
  let start = 0;
  let lineNo = 0;
  for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
    lineNo++;
    const text = buf.toString('utf8', start, nl);
    if (text.trim() !== '') {
      const parsed = parseLine(text, IndexedEntrySchema);
      if ('entry' in parsed) {
        if (parsed.entry.seq <= maxSeq || parsed.entry.seq < file.firstSeq) {
          corrupt.push({
            file: file.path,
            line: lineNo,
            offset: start,
            error: `sequence ${parsed.entry.seq} does not follow ${Math.max(maxSeq, file.firstSeq - 1)}`,
          });
        } else {
          entries.push({ entry: parsed.entry, offset: start, length: nl + 1 - start });
          maxSeq = parsed.entry.seq;
        }
      } else {
        corrupt.push({ file: file.path, line: lineNo, offset: start, error: parsed.error });
        // A damaged line may still show its number; never hand it out again.
        const legible = /^\{"seq":(\d+)/.exec(text);
        if (legible) maxSeq = Math.max(maxSeq, Number(legible[1]));
      }
    }
    start = nl + 1;
  }
  return { entries, corrupt, tornBytes: buf.length - start, validSize: start, maxSeq };
}

/** Cuts a torn last line off, so the next append starts on a line of its own. */
export async function truncateTo(path: string, size: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(size);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Makes a created or removed file name durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class DecisionLogLockedError extends Error {
  constructor(dir: string, holder: string) {
    super(`decision log ${dir} is in use by ${holder}; one process per directory`);
    this.name = 'DecisionLogLockedError';
  }
}

const openInThisProcess = new Set<string>();

/**
 * Takes the directory's lock. A lock left by a process that is gone (or by another host, whose
 * processes cannot be checked, e.g. the previous pod of a StatefulSet) is taken over with a warning.
 */
export async function acquireLock(dir: string, log: Logger): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  if (openInThisProcess.has(path)) throw new DecisionLogLockedError(dir, `this process (pid ${process.pid})`);
  const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    const previous = JSON.parse(await readFile(path, 'utf8')) as { pid?: number; host?: string };
    if (previous.host === me.host && typeof previous.pid === 'number' && previous.pid !== me.pid) {
      if (processAlive(previous.pid)) throw new DecisionLogLockedError(dir, `pid ${previous.pid}`);
    }
    log.warn({ dir, previous }, 'decision log was not closed cleanly; taking over its lock');
  } catch (e) {
    if (e instanceof DecisionLogLockedError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ dir, err: (e as Error).message }, 'unreadable decision log lock; taking it over');
  }
  await writeFile(path, `${JSON.stringify(me)}\n`);
  openInThisProcess.add(path);
  return async () => {
    openInThisProcess.delete(path);
    await unlink(path).catch(() => {});
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
