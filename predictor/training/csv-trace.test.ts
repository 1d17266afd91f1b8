import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsvTrace } from './csv-trace.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-trace-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

describe('loadCsvTrace', () => {
  it('reads NAB-style files (type rows under the header), zone-less times as UTC, gaps filled', async () => {
    const p = await file(
      'nab.csv',
      'timestamp,passenger_count,timeofday\ndatetime,int,int\nT,,\n' +
        '2014-07-01 00:00:00,10,0\n2014-07-01 00:30:00,20,30\n2014-07-01 01:30:00,40,90\n',
    );
    const t = await loadCsvTrace(p);
    expect(t.stepMs).toBe(1_800_000);
    expect(t.timestamps[0]).toBe(Date.UTC(2014, 6, 1));
    expect(t.values).toEqual([10, 20, 20, 40]);
    expect(t.filled).toBe(1);
    expect(t.valueColumn).toBe('passenger_count');
  });

  it('names the column, line or file that is wrong', async () => {
    const ok = await file(
      'ok.csv',
      'period,count\n1998-04-30 21:30:00,2\n1998-04-30 21:31:00,3\n1998-04-30 21:32:00,4\n',
    );
    await expect(loadCsvTrace(ok, { valueColumn: 'requests' })).rejects.toThrow(
      /no column "requests" \(columns: period, count\)/,
    );
    const bad = await file('bad.csv', 'period,count\n1998-04-30 21:30:00,2\n1998-04-30 21:31:00,x\n');
    await expect(loadCsvTrace(bad)).rejects.toThrow(/line 3: "x" in count is not a number/);
    await expect(loadCsvTrace(join(dir, 'missing.csv'))).rejects.toThrow(/cannot read the trace/);
  });
});
