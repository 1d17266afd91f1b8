// Resource usage of process trees from /proc, the sandbox's stand-in for cgroup accounting.

import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** CPU time in clock ticks. */
  utime: number;
  stime: number;
  /** CPU time of waited-for children, in clock ticks. */
  cutime: number;
  cstime: number;
  numThreads: number;
  /** Start time in clock ticks after boot. */
  starttime: number;
  /** Resident set in pages. */
  rssPages: number;
}

/** Parses /proc/<pid>/stat. The command name may contain spaces and parentheses. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open)
    throw new Error(`malformed /proc stat line: ${JSON.stringify(text.slice(0, 80))}`);
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state) of proc(5).
  const at = (field: number) => Number(fields[field - 3]);
  if (fields.length < 22) throw new Error(`malformed /proc stat line: only ${fields.length + 2} fields`);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: fields[0],
    ppid: at(4),
    pgrp: at(5),
    session: at(6),
    utime: at(14),
    stime: at(15),
    cutime: at(16),
    cstime: at(17),
    numThreads: at(20),
    starttime: at(22),
    rssPages: at(24),
  };
}

export interface ProcMemory {
  /** VmRSS in bytes. */
  rss: number;
  /** RssAnon in bytes (cAdvisor's container_memory_rss counts anonymous memory). */
  rssAnon: number;
  rssFile: number;
  threads: number;
}

/** Parses /proc/<pid>/status (the kB fields). Kernel threads have no Vm lines; they count as 0. */
export function parseProcStatus(text: string): ProcMemory {
  const kb = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  return {
    rss: kb('VmRSS'),
    rssAnon: kb('RssAnon'),
    rssFile: kb('RssFile'),
    threads: threads ? Number(threads[1]) : 0,
  };
}

/** Parses /proc/meminfo into bytes by key. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match) out.set(match[1], Number(match[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

/** The aggregate "cpu" line of /proc/stat, in ticks: busy (everything but idle and iowait) and total. */
export function parseProcStatCpu(text: string): { busyTicks: number; totalTicks: number; bootTime: number } {
  const cpu = /^cpu\s+(.+)$/m.exec(text);
  const btime = /^btime\s+(\d+)$/m.exec(text);
  if (!cpu || !btime) throw new Error('malformed /proc/stat: no cpu or btime line');
  const ticks = cpu[1].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busyTicks: total - idle, totalTicks: total, bootTime: Number(btime[1]) };
}

/** Every pid with its stat, from one pass over /proc. Processes that exit mid-scan are skipped. */
export async function readProcessTable(procRoot = '/proc'): Promise<Map<number, ProcStat>> {
  const entries = await readdir(procRoot);
  const table = new Map<number, ProcStat>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (pid) => {
        try {
          table.set(Number(pid), parseProcStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8')));
        } catch {
          // exited, or not readable
        }
      }),
  );
  return table;
}

/** `root` and every live descendant, found through parent links. */
export function processTree(table: ReadonlyMap<number, ProcStat>, root: number): number[] {
  if (!table.has(root)) return [];
  const children = new Map<number, number[]>();
  for (const stat of table.values()) {
    const list = children.get(stat.ppid);
    if (list) list.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const child of children.get(pid) ?? []) stack.push(child);
  }
  return out;
}

/** Processes in a session (a container's process group leader starts its own session). */
export function sessionMembers(table: ReadonlyMap<number, ProcStat>, session: number): number[] {
  return [...table.values()].filter((s) => s.session === session).map((s) => s.pid);
}

let clockTicksCache: number | undefined;

/** USER_HZ, the unit of /proc CPU times (100 on practically every Linux). */
export function clockTicksPerSecond(): number {
  if (clockTicksCache === undefined) {
    try {
      clockTicksCache = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksCache = 100;
    }
  }
  return clockTicksCache;
}

export interface TreeUsage {
  /** CPU seconds of the tree, including reaped children. */
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  rssBytes: number;
  rssAnonBytes: number;
  threads: number;
  processes: number;
}

/** Sums CPU and memory over a process tree. */
export async function treeUsage(
  table: ReadonlyMap<number, ProcStat>,
  root: number,
  procRoot = '/proc',
): Promise<TreeUsage | undefined> {
  const pids = processTree(table, root);
  if (pids.length === 0) return undefined;
  const hz = clockTicksPerSecond();
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const s = table.get(pid)!;
    // Children's times fold into the parent when reaped, so include cutime/cstime.
    user += s.utime + s.cutime;
    system += s.stime + s.cstime;
  }
  const memories = await Promise.all(
    pids.map(async (pid) => {
      try {
        return parseProcStatus(await readFile(`${procRoot}/${pid}/status`, 'utf8'));
      } catch {
        return undefined;
      }
    }),
  );
  let rss = 0;
  let rssAnon = 0;
  let threads = 0;
  for (const m of memories) {
    if (!m) continue;
    rss += m.rss;
    rssAnon += m.rssAnon;
    threads += m.threads;
  }
  return {
    cpuSeconds: (user + system) / hz,
    userSeconds: user / hz,
    systemSeconds: system / hz,
    rssBytes: rss,
    rssAnonBytes: rssAnon,
    threads,
    processes: pids.length,
  };
}
