import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChaosCliError, chaosCommand, formatList, loadExperimentFile, oneOffCopy } from './cli.ts';

const EXAMPLES = join(import.meta.dirname, '../crds/examples');

describe('loadExperimentFile', () => {
  it('reads the bundled examples', () => {
    for (const f of ['payments-latency.yaml', 'orders-podkill-nightly.yaml', 'catalog-http-abort.yaml']) {
      const { experiment } = loadExperimentFile(join(EXAMPLES, f));
      expect(experiment.kind).toBe('ChaosExperiment');
    }
  });

  it('names the field that is wrong', () => {
    const text = readFileSync(join(EXAMPLES, 'payments-latency.yaml'), 'utf8').replace(
      'mode: One',
      'mode: Fixed',
    );
    expect(() => loadExperimentFile('exp.yaml', text)).toThrow(
      /exp\.yaml: invalid ChaosExperiment:\n.*spec\.value/s,
    );
    const cron = readFileSync(join(EXAMPLES, 'orders-podkill-nightly.yaml'), 'utf8').replace(
      '30 2 * * 1-5',
      '61 2 * * *',
    );
    expect(() => loadExperimentFile('n.yaml', cron)).toThrow(/spec\.schedule\.cron.*out of range/s);
  });

  it('refuses files without exactly one experiment, and bad YAML', () => {
    expect(() => loadExperimentFile('p.yaml', 'kind: ResiliencePolicy\n')).toThrow(
      /must hold exactly one ChaosExperiment, found 0/,
    );
    expect(() => loadExperimentFile('bad.yaml', 'kind: [')).toThrow(/bad\.yaml is not valid YAML/);
    expect(() => loadExperimentFile('/nonexistent/x.yaml')).toThrow(ChaosCliError);
  });
});

describe('formatList', () => {
  it('shows phase, verdict and measurements', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const text = formatList(
      [
        {
          metadata: { namespace: 'shop', name: 'payments-latency' },
          spec: { fault: { kind: 'Latency' } },
          status: {
            phase: 'Completed',
            verdict: 'Passed',
            startTime: '2026-01-01T00:05:00Z',
            targets: [{ namespace: 'shop', pod: 'p-1' }],
            measurements: { timeToDetectSeconds: 12.5, timeToHealSeconds: 40 },
          },
        },
        { metadata: { namespace: 'shop', name: 'new' }, spec: { fault: { kind: 'PodKill' } } },
      ],
      now,
    );
    const [header, first, second] = text.split('\n');
    expect(header).toMatch(/^NAMESPACE\s+NAME\s+FAULT\s+PHASE\s+VERDICT/);
    expect(first).toMatch(
      /shop\s+payments-latency\s+Latency\s+Completed\s+Passed\s+1\s+5m ago\s+-\s+12\.5s\s+40s/,
    );
    expect(second).toMatch(/shop\s+new\s+PodKill\s+Pending\s+-\s+0/);
  });
});

describe('oneOffCopy', () => {
  it('drops the schedule and names the copy after its source', () => {
    const copy = oneOffCopy(
      {
        apiVersion: 'homeostat.dev/v1alpha1',
        kind: 'ChaosExperiment',
        metadata: { name: 'orders-podkill-nightly', namespace: 'shop', uid: 'x', resourceVersion: '9' },
        spec: { fault: { kind: 'PodKill' }, schedule: { cron: '@daily' } },
        status: { phase: 'Completed' },
      },
      new Date('2026-03-04T05:06:07Z'),
    );
    expect(copy).toEqual({
      apiVersion: 'homeostat.dev/v1alpha1',
      kind: 'ChaosExperiment',
      metadata: {
        name: 'orders-podkill-nightly-run-20260304050607',
        namespace: 'shop',
        labels: { 'homeostat.dev/run-of': 'orders-podkill-nightly' },
      },
      spec: { fault: { kind: 'PodKill' } },
    });
  });
});

describe('chaosCommand', () => {
  it('has the documented subcommands', () => {
    expect(chaosCommand().commands.map((c) => c.name())).toEqual([
      'plan',
      'run',
      'list',
      'halt',
      'resume',
      'engine',
    ]);
  });
});
