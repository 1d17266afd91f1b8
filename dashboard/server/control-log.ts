// Every control action taken through the dashboard, with who took it: kept in memory for the
// page, appended to a JSON-lines file when one is configured, published on the live feed, and
// handed to an optional sink (e.g. the operator's decision log once it has a kind for them).
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { errorMessage } from '../../kube/index.ts';
import type { EventBus } from '../../operator/decisions/index.ts';
import type { ControlRecord, DashboardFeedEvents } from './feed-kinds.ts';

export interface ControlLogOptions {
  bus: EventBus<DashboardFeedEvents>;
  logger: Logger;
  /** Append each record here as one JSON line. */
  file?: string;
  /** Called for each record after it is kept; a failure is logged, never lost from the page. */
  sink?: (record: ControlRecord) => Promise<void>;
  /** Records kept in memory. Default 500. */
  capacity?: number;
}

export class ControlLog {
  private readonly records: ControlRecord[] = [];
  private readonly capacity: number;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ControlLogOptions) {
    this.capacity = opts.capacity ?? 500;
  }

  /** Newest first. */
  recent(limit = 100): ControlRecord[] {
    return this.records.slice(-limit).reverse();
  }

  async record(entry: Omit<ControlRecord, 'id' | 'time'>): Promise<ControlRecord> {
    const record: ControlRecord = { id: randomUUID(), time: new Date().toISOString(), ...entry };
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.shift();
    this.opts.logger.info(
      { action: record.action, by: record.by, target: record.target, outcome: record.outcome },
      'dashboard control action',
    );
    const { file, sink } = this.opts;
    // Serialised, so the file keeps the order of the actions.
    this.writes = this.writes.then(async () => {
      try {
        if (file) {
          await mkdir(dirname(file), { recursive: true });
          await appendFile(file, `${JSON.stringify(record)}\n`);
        }
        await sink?.(record);
      } catch (err) {
        this.opts.logger.error(
          { err: errorMessage(err), id: record.id },
          'could not persist a control record',
        );
      }
    });
    await this.writes;
    try {
      this.opts.bus.publish('control', record);
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, 'could not publish a control record');
    }
    return record;
  }
}
