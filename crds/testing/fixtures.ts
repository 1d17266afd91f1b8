/** Test support: the shipped examples and minimal valid objects to vary in tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { ChaosExperimentInput } from '../schemas/chaos-experiment.ts';
import type { ResiliencePolicyInput } from '../schemas/resilience-policy.ts';

export const EXAMPLES_DIR = new URL('../examples/', import.meta.url);

export interface Example {
  file: string;
  object: Record<string, any>;
}

/** Every document of every YAML file in crds/examples. */
export function loadExamples(): Example[] {
  const examples: Example[] = [];
  for (const file of readdirSync(EXAMPLES_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(new URL(file, EXAMPLES_DIR), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      examples.push({ file, object: doc.toJS() });
    }
  }
  return examples;
}

/** Loosely typed on purpose: tests break these objects in ways the input types forbid. */
export function minimalPolicy(): Record<string, any> {
  const policy: ResiliencePolicyInput = {
    apiVersion: 'homeostat.dev/v1alpha1',
    kind: 'ResiliencePolicy',
    metadata: { name: 'orders' },
    spec: { targetRef: { name: 'orders' }, slo: { latencyP99Ms: 250 } },
  };
  return policy;
}

export function minimalExperiment(): Record<string, any> {
  const experiment: ChaosExperimentInput = {
    apiVersion: 'homeostat.dev/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: 'kill-one' },
    spec: {
      selector: { labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } },
      fault: { kind: 'PodKill' },
      duration: '1m',
    },
  };
  return experiment;
}
