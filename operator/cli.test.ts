import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { operatorCommand, optionsFromFlags } from './cli.ts';
import { OperatorOptionsError } from './options.ts';

/** Parses `operator run <args>` as the command line would, without starting the operator. */
async function runFlags(args: string[]) {
  const cmd = operatorCommand().exitOverride();
  const run = cmd.commands.find((c) => c.name() === 'run') as Command;
  let flags: Record<string, unknown> | undefined;
  run.exitOverride().action((o) => {
    flags = o;
  });
  await cmd.parseAsync(['run', ...args], { from: 'user' });
  return optionsFromFlags(flags!);
}

const prom = ['--prometheus-url', 'http://127.0.0.1:9090', '--namespace', 'ops'];

describe('operator run: predictor flags', () => {
  it('defaults: auto, ConfigMaps in the operator namespace, hourly retraining, risk 0.8', async () => {
    const o = await runFlags(prom);
    expect(o).toMatchObject({
      predictor: 'auto',
      modelStore: { kind: 'configmap' },
      predictorRetrain: '17 * * * *',
      riskThreshold: 0.8,
    });
  });

  it('takes --predictor bare or with a mode, the model store, the schedule and the threshold', async () => {
    const o = await runFlags([
      ...prom,
      '--predictor',
      '--model-store',
      'file:/var/lib/homeostat/models',
      '--predictor-retrain',
      '*/30 * * * *',
      '--risk-threshold',
      '0.65',
    ]);
    expect(o).toMatchObject({
      predictor: 'on',
      modelStore: { kind: 'file', dir: '/var/lib/homeostat/models' },
      predictorRetrain: '*/30 * * * *',
      riskThreshold: 0.65,
    });
    expect((await runFlags(['--no-predictor'])).predictor).toBe('off');
    expect((await runFlags(['--predictor', 'off'])).predictor).toBe('off');
    expect((await runFlags([...prom, '--model-store', 'configmap:models'])).modelStore).toEqual({
      kind: 'configmap',
      namespace: 'models',
    });
  });

  it('names each bad predictor flag', async () => {
    const problems = async (args: string[]) => {
      try {
        await runFlags(args);
      } catch (err) {
        if (err instanceof OperatorOptionsError) return err.problems;
        throw err;
      }
      throw new Error('expected the flags to be refused');
    };
    expect(await problems(['--predictor'])).toEqual([
      { flag: '--predictor', message: 'needs --prometheus-url: the models learn from Prometheus history' },
    ]);
    expect(await problems([...prom, '--predictor', 'maybe'])).toEqual([
      { flag: '--predictor', message: 'must be auto, on or off' },
    ]);
    expect(await problems([...prom, '--risk-threshold', '1.5'])).toEqual([
      { flag: '--risk-threshold', message: 'must be at most 1' },
    ]);
    expect(await problems([...prom, '--risk-threshold', 'high'])).toEqual([
      { flag: '--risk-threshold', message: 'must be a number' },
    ]);
    expect(await problems([...prom, '--predictor-retrain', 'every hour'])).toEqual([
      { flag: '--predictor-retrain', message: 'must be a cron expression, e.g. "17 * * * *"' },
    ]);
    const store = await problems([...prom, '--model-store', 'configmaps']);
    expect(store).toHaveLength(1);
    expect(store[0]).toMatchObject({
      flag: '--model-store',
      message: expect.stringMatching(/unknown model store/),
    });
  });
});
