import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChangeEvent, Store } from './store.ts';

const obj = (name: string, rv: number, extra: Record<string, unknown> = {}) => ({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name, namespace: 'ns', resourceVersion: String(rv) },
  ...extra,
});

describe('Store', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'homeostat-store-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('replays its log after a restart: same objects, same resourceVersions, counter continues', () => {
    const dir = tmp();
    const a = new Store({ dataDir: dir });
    for (let i = 0; i < 5; i++) {
      const rv = a.nextRv();
      a.put('/configmaps', `ns/c${i}`, obj(`c${i}`, rv), rv);
    }
    const rv = a.nextRv();
    a.remove('/configmaps', 'ns/c2', obj('c2', rv), rv);
    a.flush();
    const b = new Store({ dataDir: dir });
    expect(b.list('/configmaps').map((s) => s.obj.metadata.name)).toEqual(['c0', 'c1', 'c3', 'c4']);
    expect(b.currentRv()).toBe(a.currentRv());
    expect(b.nextRv()).toBe(a.currentRv() + 1);
    // History from before the restart is gone: resuming below the restart point is a 410.
    expect(b.changesSince('/configmaps', 2)).toBeUndefined();
    expect(b.changesSince('/configmaps', b.currentRv() - 1)).toEqual([]);
  });

  it('survives a torn last line after a crash', () => {
    const dir = tmp();
    const a = new Store({ dataDir: dir });
    const rv = a.nextRv();
    a.put('/configmaps', 'ns/ok', obj('ok', rv), rv);
    a.flush();
    appendFileSync(
      join(dir, 'objects.jsonl'),
      '{"t":"put","r":"/configmaps","k":"ns/torn","v":9,"o":{"metad',
    );
    const b = new Store({ dataDir: dir });
    expect(b.list('/configmaps').map((s) => s.obj.metadata.name)).toEqual(['ok']);
    // The compaction at start rewrote the log without the torn line.
    expect(readFileSync(join(dir, 'objects.jsonl'), 'utf8')).not.toContain('torn');
  });

  it('delivers changes after any resourceVersion still in its bounded history, and refuses older ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 120 }), (capacity, writes) => {
        const s = new Store({ historyPerType: capacity });
        for (let i = 0; i < writes; i++) {
          const rv = s.nextRv();
          s.put('/configmaps', `ns/c${i % 7}`, obj(`c${i % 7}`, rv), rv);
        }
        for (let from = 0; from <= writes; from++) {
          const got = s.changesSince('/configmaps', from);
          const lost = writes - capacity; // versions 1..lost were dropped
          if (from < lost) expect(got).toBeUndefined();
          else
            expect(got!.map((e) => e.rv)).toEqual(
              Array.from({ length: writes - from }, (_, k) => from + k + 1),
            );
        }
      }),
    );
  });

  it('tells watchers about ADDED, MODIFIED and DELETED with the previous state', () => {
    const s = new Store();
    const seen: ChangeEvent[] = [];
    const stop = s.watch('/configmaps', { onChange: (e) => seen.push(e) });
    let rv = s.nextRv();
    s.put('/configmaps', 'ns/a', obj('a', rv, { data: { v: '1' } }), rv);
    rv = s.nextRv();
    s.put('/configmaps', 'ns/a', obj('a', rv, { data: { v: '2' } }), rv);
    rv = s.nextRv();
    s.remove('/configmaps', 'ns/a', obj('a', rv, { data: { v: '2' } }), rv);
    stop();
    rv = s.nextRv();
    s.put('/configmaps', 'ns/b', obj('b', rv), rv);
    expect(seen.map((e) => [e.type, e.current.obj.data?.v, e.previous?.obj.data?.v])).toEqual([
      ['ADDED', '1', undefined],
      ['MODIFIED', '2', '1'],
      ['DELETED', '2', '2'],
    ]);
  });
});
