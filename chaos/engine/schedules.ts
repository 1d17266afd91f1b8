// Cron schedules of experiments, with node-cron (normalized first, so @daily and friends work).
// A tick only marks the experiment due and wakes its reconcile: whether a run starts (halt,
// suspend, concurrencyPolicy) is decided there. Ticks missed while no engine led are skipped.
import cron, { type ScheduledTask } from 'node-cron';
import { normalizeCron, type Schedule } from '../../crds/index.ts';

interface Entry {
  task: ScheduledTask;
  signature: string;
}

export class ScheduleBook {
  private readonly entries = new Map<string, Entry>();
  private readonly due = new Set<string>();

  constructor(private readonly onDue: (key: string) => void) {}

  /** Registers or updates the schedule of an experiment. */
  ensure(key: string, schedule: Schedule): void {
    const expression = normalizeCron(schedule.cron);
    const signature = `${expression}|${schedule.timeZone ?? ''}`;
    const existing = this.entries.get(key);
    if (existing?.signature === signature) return;
    if (existing) void existing.task.destroy();
    const task = cron.schedule(
      expression,
      () => {
        this.due.add(key);
        this.onDue(key);
      },
      { name: key, ...(schedule.timeZone ? { timezone: schedule.timeZone } : {}) },
    );
    this.entries.set(key, { task, signature });
  }

  next(key: string): Date | undefined {
    return this.entries.get(key)?.task.getNextRun() ?? undefined;
  }

  isDue(key: string): boolean {
    return this.due.has(key);
  }

  /** Marks a run due now (the CLI's `chaos run` of a scheduled experiment, tests). */
  markDue(key: string): void {
    this.due.add(key);
  }

  clearDue(key: string): void {
    this.due.delete(key);
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    if (e) void e.task.destroy();
    this.entries.delete(key);
    this.due.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  stop(): void {
    for (const key of [...this.entries.keys()]) this.remove(key);
  }
}
