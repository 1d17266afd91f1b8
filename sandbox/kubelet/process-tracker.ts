// Pid files for container processes, so a kubelet that died without stopping its children finds
// and kills them when it starts again. A pid file records the process start time and the boot, so
// a recycled pid never gets someone else's process killed.

import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type ProcStat, parseProcStat, readProcessTable, sessionMembers } from './proc-stats.ts';

export interface PidRecord {
  pid: number;
  /** /proc/<pid>/stat starttime, in clock ticks after boot. */
  starttime: number | null;
  bootId: string;
  pod: string;
  container: string;
}

export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

export function processStartTime(pid: number): number | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).starttime;
  } catch {
    return null;
  }
}

/**
 * The processes a pid file stands for: the session its leader started. When the leader is gone
 * its session id cannot have been reused while members remain, so members are still ours.
 */
export function orphanedProcesses(
  record: PidRecord,
  table: ReadonlyMap<number, ProcStat>,
  bootId: string,
): number[] {
  if (record.bootId !== bootId) return [];
  const leader = table.get(record.pid);
  if (leader && record.starttime !== null && leader.starttime !== record.starttime) return [];
  return sessionMembers(table, record.pid);
}

export class ProcessTracker {
  private readonly bootId = currentBootId();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  private file(podUid: string, container: string): string {
    return join(this.dir, `${podUid}_${container}.json`);
  }

  async track(podUid: string, podKey: string, container: string, pid: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const record: PidRecord = {
      pid,
      starttime: processStartTime(pid),
      bootId: this.bootId,
      pod: podKey,
      container,
    };
    await writeFile(this.file(podUid, container), JSON.stringify(record));
  }

  async untrack(podUid: string, container: string): Promise<void> {
    await rm(this.file(podUid, container), { force: true });
  }

  /** Kills every process left by an earlier kubelet: SIGTERM, then SIGKILL after `graceMs`. */
  async killOrphans(graceMs = 2000): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return 0;
    }
    if (names.length === 0) return 0;
    const table = await readProcessTable();
    const victims = new Set<number>();
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        const record = JSON.parse(await readFile(path, 'utf8')) as PidRecord;
        const pids = orphanedProcesses(record, table, this.bootId);
        if (pids.length)
          this.logger.info(
            { pod: record.pod, container: record.container, pids },
            'killing orphaned container processes',
          );
        for (const pid of pids) victims.add(pid);
      } catch (err) {
        this.logger.warn({ file: path, err: (err as Error).message }, 'unreadable pid file; ignoring');
      }
      await rm(path, { force: true });
    }
    if (victims.size === 0) return 0;
    for (const pid of victims) signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...victims].some(alive)) await new Promise((r) => setTimeout(r, 50));
    for (const pid of victims) if (alive(pid)) signal(pid, 'SIGKILL');
    return victims.size;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).state;
    return state !== 'Z';
  } catch {
    return false;
  }
}
