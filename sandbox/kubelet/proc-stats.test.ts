import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseMeminfo,
  parseProcStat,
  parseProcStatCpu,
  parseProcStatus,
  processTree,
  readProcessTable,
  sessionMembers,
  treeUsage,
} from './proc-stats.ts';

const STAT =
  '4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 7 3 20 0 11 0 987654 123456789 2048 18446744073709551615';

describe('parseProcStat', () => {
  it('reads fields after a command name with spaces and parentheses', () => {
    expect(parseProcStat(STAT)).toEqual({
      pid: 4242,
      comm: 'my (odd) proc',
      state: 'S',
      ppid: 1,
      pgrp: 4242,
      session: 4242,
      utime: 150,
      stime: 25,
      cutime: 7,
      cstime: 3,
      numThreads: 11,
      starttime: 987654,
      rssPages: 2048,
    });
  });

  it('rejects truncated input', () => {
    expect(() => parseProcStat('12 (x) S 1 2')).toThrow('malformed /proc stat line');
    expect(() => parseProcStat('garbage')).toThrow('malformed');
  });
});

describe('parseProcStatus and parseMeminfo', () => {
  it('reads resident memory in bytes', () => {
    const status =
      'Name:\tnode\nThreads:\t7\nVmRSS:\t  51200 kB\nRssAnon:\t  40960 kB\nRssFile:\t  10240 kB\n';
    expect(parseProcStatus(status)).toEqual({
      rss: 51200 * 1024,
      rssAnon: 40960 * 1024,
      rssFile: 10240 * 1024,
      threads: 7,
    });
    expect(parseProcStatus('Name:\tkthreadd\nThreads:\t1\n').rss).toBe(0);
  });

  it('reads meminfo keys', () => {
    const info = parseMeminfo(
      'MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\nHugePages_Total:       0\n',
    );
    expect(info.get('MemTotal')).toBe(16_000_000 * 1024);
    expect(info.get('MemAvailable')).toBe(8_000_000 * 1024);
    expect(info.get('HugePages_Total')).toBe(0);
  });

  it('reads busy CPU ticks from /proc/stat, leaving out idle and iowait', () => {
    const stat = 'cpu  100 5 50 1000 20 1 2 3 0 0\ncpu0 50 2 25 500 10 0 1 1 0 0\nbtime 1700000000\n';
    expect(parseProcStatCpu(stat)).toEqual({ busyTicks: 161, totalTicks: 1181, bootTime: 1700000000 });
  });
});

describe('process trees on this machine', () => {
  const children: Array<ReturnType<typeof spawn>> = [];
  afterAll(() => {
    for (const c of children) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('finds a process, its descendants and its session, and sums their usage', async () => {
    // A shell that starts two sleeping children, in its own session.
    const shell = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    children.push(shell);
    await new Promise((r) => setTimeout(r, 300));
    const table = await readProcessTable();
    const tree = processTree(table, shell.pid!);
    expect(tree[0]).toBe(shell.pid);
    expect(tree.length).toBe(3);
    expect(sessionMembers(table, shell.pid!).sort()).toEqual([...tree].sort());
    const usage = await treeUsage(table, shell.pid!);
    expect(usage?.processes).toBe(3);
    expect(usage!.rssBytes).toBeGreaterThan(0);
    expect(usage!.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(await treeUsage(table, 999_999_999)).toBeUndefined();
  });
});
