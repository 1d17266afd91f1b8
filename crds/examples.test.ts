import { describe, expect, it } from 'vitest';
import { schemaForKind } from './manifests.ts';
import { applyDefaults, validateAgainstSchema } from './openapi/validate.ts';
import { parseChaosExperiment, parseHomeostatResource, parseResiliencePolicy } from './parse.ts';
import { celRuleFailures } from './testing/cel.ts';
import { loadExamples, minimalExperiment, minimalPolicy } from './testing/fixtures.ts';

const examples = loadExamples();
const byName = (name: string) => examples.find((e) => e.object.metadata?.name === name)!.object;

/**
 * What kube-apiserver would say: strict OpenAPI validation after defaulting, then the CEL rules.
 * (Rules only run here on objects that pass the OpenAPI checks, so that a rule given a malformed
 * value, which kube-apiserver reports as an evaluation error, does not hide a bug in a rule.)
 */
function apiServerErrors(object: Record<string, any>): string[] {
  const schema = schemaForKind(object.kind);
  const defaulted = applyDefaults(object, schema, { root: true });
  const errors = validateAgainstSchema(defaulted, schema, '', { root: true }).map(
    (e) => `${e.path}: ${e.message}`,
  );
  if (errors.length > 0) return errors;
  return celRuleFailures(defaulted, schema).map((f) => `${f.path}: ${f.message}`);
}

describe('crds/examples', () => {
  it('ships the examples an SRE starts from', () => {
    const kinds = examples.map((e) => `${e.object.kind}/${e.object.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ResiliencePolicy/orders',
        'ResiliencePolicy/payments',
        'ChaosExperiment/payments-latency',
        'ChaosExperiment/orders-podkill-nightly',
        'ChaosExperiment/catalog-http-abort',
      ]),
    );
  });

  it.each(examples.map((e) => [e.file, e.object]))('%s is valid for Homeostat', (_file, object) => {
    const result = parseHomeostatResource(object);
    expect(result.ok ? '' : result.message).toBe('');
  });

  it.each(examples.map((e) => [e.file, e.object]))(
    '%s would be accepted by kube-apiserver with strict field validation',
    (_file, object) => {
      expect(apiServerErrors(object)).toEqual([]);
    },
  );

  it.each(examples.map((e) => [e.file, e.object]))(
    '%s applies into the current namespace',
    (_file, object) => {
      expect([undefined, 'homeostat-demo']).toContain(object.metadata.namespace);
    },
  );

  it('covers what the examples are meant to show', () => {
    const orders = parseResiliencePolicy(byName('orders'));
    expect(orders.ok && orders.value.spec).toMatchObject({
      mode: 'Enforce',
      scaling: { predictive: { enabled: true } },
      healing: { quarantineOutliers: { enabled: true }, rollback: { enabled: true } },
    });
    const payments = parseResiliencePolicy(byName('payments'));
    expect(payments.ok && payments.value.spec.mode).toBe('DryRun');
    const latency = parseChaosExperiment(byName('payments-latency'));
    expect(latency.ok && latency.value.spec.fault.kind).toBe('Latency');
    const podKill = parseChaosExperiment(byName('orders-podkill-nightly'));
    expect(podKill.ok && podKill.value.spec).toMatchObject({
      fault: { kind: 'PodKill' },
      schedule: { cron: '30 2 * * 1-5' },
    });
    const abort = parseChaosExperiment(byName('catalog-http-abort'));
    expect(abort.ok && abort.value.spec.fault).toEqual({
      kind: 'HttpAbort',
      httpAbort: { status: 503, percent: 20, paths: ['/api/v1/products'], methods: ['GET'] },
    });
  });
});

describe('defaults', () => {
  // The API server fills defaults from the CRD, Homeostat from zod: both must give the same object.
  it.each(examples.map((e) => [e.file, e.object]))('CRD and zod defaults agree for %s', (_file, object) => {
    const fromCrd = applyDefaults(object, schemaForKind(object.kind), { root: true });
    const parsed = parseHomeostatResource(object);
    if (!parsed.ok) throw new Error(parsed.message);
    const fromZod: Record<string, any> = structuredClone(parsed.value);
    // The one default zod adds beyond the CRD: a PodKill fault's settings object.
    if (object.kind === 'ChaosExperiment' && object.spec.fault.podKill === undefined)
      delete fromZod.spec.fault.podKill;
    expect(fromZod).toEqual(fromCrd);
  });

  it('gives a minimal policy the documented defaults', () => {
    const policy = minimalPolicy();
    policy.spec.scaling = { maxReplicas: 5, capacityPerReplica: 10 };
    const fromCrd = applyDefaults(policy, schemaForKind('ResiliencePolicy'), { root: true });
    const parsed = parseResiliencePolicy(policy);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value).toEqual(fromCrd);
    expect(parsed.value.spec).toMatchObject({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' },
      mode: 'Enforce',
      slo: { window: '5m' },
      scaling: {
        minReplicas: 1,
        targetUtilization: 0.7,
        predictive: { enabled: false, horizonMinutes: 15, minConfidence: 0.8 },
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Pods', value: 4, periodSeconds: 15 },
              { type: 'Percent', value: 100, periodSeconds: 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: 300,
            policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          },
        },
      },
      healing: {
        restartUnhealthy: { enabled: true },
        escalation: ['Quarantine', 'Restart', 'ScaleUp', 'Rollback'],
      },
      guardrails: { maxUnavailable: '25%', respectPodDisruptionBudgets: true, pauseDuringChaos: false },
    });
  });
});

describe('bad input', () => {
  interface Case {
    name: string;
    object: Record<string, any>;
    /** The field the error must name, and a fragment of its message. */
    path: string;
    message: RegExp;
  }
  const policy = (change: (spec: Record<string, any>) => void) => {
    const p = minimalPolicy();
    change(p.spec);
    return p;
  };
  const experiment = (change: (spec: Record<string, any>) => void) => {
    const e = minimalExperiment();
    change(e.spec);
    return e;
  };
  const latency = { kind: 'Latency', latency: { latencyMs: 100 } };

  const cases: Case[] = [
    {
      name: 'unknown mode',
      object: policy((s) => (s.mode = 'Sometimes')),
      path: 'spec.mode',
      message: /Enforce.*DryRun/,
    },
    {
      name: 'percent above 100',
      object: experiment((s) => (s.fault = { kind: 'Latency', latency: { latencyMs: 100, percent: 150 } })),
      path: 'spec.fault.latency.percent',
      message: /100/,
    },
    {
      name: 'duration in words',
      object: experiment((s) => (s.duration = '5 minutes')),
      path: 'spec.duration',
      message: /duration/,
    },
    {
      name: 'minReplicas above maxReplicas',
      object: policy((s) => (s.scaling = { minReplicas: 5, maxReplicas: 2, capacityPerReplica: 10 })),
      path: 'spec.scaling',
      message: /maxReplicas/,
    },
    {
      name: 'no objective',
      object: policy((s) => (s.slo = {})),
      path: 'spec.slo',
      message: /at least one objective/,
    },
    {
      name: 'error ratio above 1',
      object: policy((s) => (s.slo = { errorRatio: 2 })),
      path: 'spec.slo.errorRatio',
      message: /1/,
    },
    {
      name: 'maxUnavailable of 150%',
      object: policy((s) => (s.guardrails = { maxUnavailable: '150%' })),
      path: 'spec.guardrails.maxUnavailable',
      message: /percentage|pattern/,
    },
    {
      name: 'latency fault without settings',
      object: experiment((s) => (s.fault = { kind: 'Latency' })),
      path: 'spec.fault',
      message: /required when kind is Latency/,
    },
    {
      name: 'settings of another kind',
      object: experiment((s) => (s.fault = { ...latency, httpAbort: { status: 503 } })),
      path: 'spec.fault',
      message: /only allowed when kind is HttpAbort/,
    },
    {
      name: 'unknown fault kind',
      object: experiment((s) => (s.fault = { kind: 'DiskFill' })),
      path: 'spec.fault.kind',
      message: /PodKill/,
    },
    {
      name: 'Fixed without value',
      object: experiment((s) => (s.mode = 'Fixed')),
      path: 'spec.value',
      message: /required when mode is Fixed/,
    },
    {
      name: 'percent mode above 100',
      object: experiment((s) => Object.assign(s, { mode: 'FixedPercent', value: 120 })),
      path: 'spec',
      message: /100/,
    },
    {
      name: 'empty label selector',
      object: experiment((s) => (s.selector = { labelSelector: {} })),
      path: 'spec.selector',
      message: /labelSelector|matchLabels/,
    },
    {
      name: 'duration above 24h',
      object: experiment((s) => (s.duration = '25h')),
      path: 'spec.duration',
      message: /24h/,
    },
    {
      name: 'zero duration',
      object: experiment((s) => (s.duration = '0s')),
      path: 'spec.duration',
      message: /longer than zero/,
    },
    {
      name: 'probe with both http and promql',
      object: experiment(
        (s) =>
          (s.steadyState = {
            probes: [
              {
                name: 'p',
                http: { url: 'http://a/' },
                promql: { query: 'up', comparison: 'Equal', threshold: 1 },
              },
            ],
          }),
      ),
      path: 'spec.steadyState.probes[0]',
      message: /exactly one/,
    },
    {
      name: 'duplicate signal names',
      object: policy((s) => {
        const signal = { name: 'q', query: 'up', comparison: 'Equal', threshold: 0, action: 'Observe' };
        s.signals = [signal, { ...signal }];
      }),
      path: 'spec.signals[1]',
      message: /duplicate/,
    },
    {
      name: 'In without values',
      object: experiment(
        (s) => (s.selector = { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }),
      ),
      path: 'spec.selector.labelSelector.matchExpressions[0]',
      message: /In/,
    },
    {
      name: 'misspelt field',
      object: policy((s) => (s.scaling = { minReplica: 1, maxReplicas: 2, capacityPerReplica: 10 })),
      path: 'spec.scaling.minReplica',
      message: /unknown field/,
    },
  ];

  it.each(cases.map((c) => [c.name, c]))('rejects %s, naming the field', (_name, c) => {
    const result = parseHomeostatResource(c.object);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const matching = result.errors.filter((e) => e.path.startsWith(c.path) && c.message.test(e.message));
    expect(matching, result.message).not.toEqual([]);
    expect(result.message).toContain(c.path);
  });

  it.each(cases.map((c) => [c.name, c]))('kube-apiserver rejects %s too', (_name, c) => {
    const errors = apiServerErrors(c.object);
    // A CEL rule reports at the object that carries it, which may be a parent of the field.
    const related = errors.filter((e) => {
      const path = e.slice(0, e.indexOf(': '));
      return path.startsWith(c.path) || c.path.startsWith(path);
    });
    expect(related, errors.join('\n') || 'no errors').not.toEqual([]);
  });

  it('reports every bad field at once', () => {
    const result = parseHomeostatResource(
      experiment((s) => Object.assign(s, { mode: 'Sometimes', duration: '5 minutes', seed: -1 })),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map((e) => e.path).sort()).toEqual(['spec.duration', 'spec.mode', 'spec.seed']);
  });
});
