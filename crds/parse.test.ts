import { describe, expect, it } from 'vitest';
import {
  assertChaosExperiment,
  assertResiliencePolicy,
  CustomResourceValidationError,
  parseChaosExperiment,
  parseHomeostatResource,
  parseResiliencePolicy,
} from './parse.ts';
import { minimalExperiment, minimalPolicy } from './testing/fixtures.ts';

describe('parseResiliencePolicy', () => {
  it('returns the typed object with defaults applied', () => {
    const result = parseResiliencePolicy(minimalPolicy());
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.spec.mode).toBe('Enforce');
      expect(result.value.spec.guardrails.maxActionsPerHour).toBe(10);
    }
  });

  it('lists every bad field path with its message', () => {
    const policy = minimalPolicy();
    policy.spec.mode = 'Sometimes';
    policy.spec.slo = { errorRatio: 1.5 };
    policy.spec.guardrails = { cooldownSeconds: -1 };
    const result = parseResiliencePolicy(policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: 'spec.mode', message: 'Invalid option: expected one of "Enforce"|"DryRun"' },
      { path: 'spec.slo.errorRatio', message: 'Too big: expected number to be <=1' },
      { path: 'spec.guardrails.cooldownSeconds', message: 'Too small: expected number to be >=0' },
    ]);
    expect(result.message).toBe(
      [
        'spec.mode: Invalid option: expected one of "Enforce"|"DryRun"',
        'spec.slo.errorRatio: Too big: expected number to be <=1',
        'spec.guardrails.cooldownSeconds: Too small: expected number to be >=0',
      ].join('\n'),
    );
  });

  it('says which required fields are missing', () => {
    const result = parseResiliencePolicy({
      apiVersion: 'homeostat.dev/v1alpha1',
      kind: 'ResiliencePolicy',
      metadata: { name: 'x' },
    });
    expect(result.ok || result.errors).toEqual([{ path: 'spec', message: 'required field is missing' }]);
    expect(parseResiliencePolicy('not an object').ok).toBe(false);
  });

  it('rejects unknown fields by default and drops them when asked to prune', () => {
    const policy = minimalPolicy();
    policy.spec.healing = { restartUnhealthy: { enabeld: false } };
    (policy as any).extra = 1;
    const strict = parseResiliencePolicy(policy);
    expect(strict.ok || strict.errors).toEqual([
      { path: 'spec.healing.restartUnhealthy.enabeld', message: 'unknown field' },
      { path: 'extra', message: 'unknown field' },
    ]);
    const pruned = parseResiliencePolicy(policy, { unknownFields: 'prune' });
    expect(pruned.ok).toBe(true);
    if (pruned.ok) {
      expect(pruned.value.spec.healing.restartUnhealthy).toEqual({ enabled: true, notReadySeconds: 120 });
      expect('extra' in pruned.value).toBe(false);
    }
  });

  it('keeps metadata fields it does not model', () => {
    const policy = minimalPolicy();
    policy.metadata = { name: 'orders', namespace: 'shop', ownerReferences: [{ kind: 'X' }] } as any;
    const result = parseResiliencePolicy(policy);
    expect(result.ok && result.value.metadata).toEqual({
      name: 'orders',
      namespace: 'shop',
      ownerReferences: [{ kind: 'X' }],
    });
  });
});

describe('parseChaosExperiment', () => {
  it('explains a bad int-or-percent and a bad union member precisely', () => {
    const experiment = minimalExperiment();
    experiment.spec.fault = { kind: 'Latency', latency: { latencyMs: 0, percent: 150 } };
    const result = parseChaosExperiment(experiment);
    expect(result.ok || result.errors).toEqual([
      { path: 'spec.fault.latency.latencyMs', message: 'Too small: expected number to be >=1' },
      { path: 'spec.fault.latency.percent', message: 'Too big: expected number to be <=100' },
    ]);
  });
});

describe('assert helpers', () => {
  it('return the value or throw an error listing the fields', () => {
    expect(assertChaosExperiment(minimalExperiment()).spec.mode).toBe('One');
    const bad = minimalPolicy();
    bad.spec.mode = 'Sometimes';
    expect(() => assertResiliencePolicy(bad)).toThrow(CustomResourceValidationError);
    expect(() => assertResiliencePolicy(bad)).toThrow(
      /invalid ResiliencePolicy:\nspec\.mode: Invalid option/,
    );
  });
});

describe('parseHomeostatResource', () => {
  it('dispatches on kind and names an unknown kind', () => {
    expect(parseHomeostatResource(minimalExperiment()).ok).toBe(true);
    expect(parseHomeostatResource(minimalPolicy()).ok).toBe(true);
    const result = parseHomeostatResource({ kind: 'Deployment' });
    expect(result.ok || result.errors).toEqual([
      { path: 'kind', message: 'expected ResiliencePolicy or ChaosExperiment, got "Deployment"' },
    ]);
  });
});
