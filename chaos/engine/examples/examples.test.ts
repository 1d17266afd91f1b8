import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseChaosExperiment } from '../../../crds/index.ts';

describe('fleet-demo.yaml', () => {
  it('holds valid, scheduled, one-pod experiments for the demo namespace', () => {
    const docs = parseAllDocuments(readFileSync(join(import.meta.dirname, 'fleet-demo.yaml'), 'utf8'));
    expect(docs).toHaveLength(2);
    for (const d of docs) {
      const r = parseChaosExperiment(d.toJS());
      if (!r.ok) throw new Error(r.message);
      expect(r.value.metadata.namespace).toBe('homeostat-demo');
      expect(r.value.spec.schedule?.concurrencyPolicy).toBe('Forbid');
      expect(r.value.spec.blastRadius?.maxPods).toBe(1);
    }
  });
});
