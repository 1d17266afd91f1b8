/**
 * The CustomResourceDefinition objects, built from the zod schemas. `crds/generate.ts` writes them
 * as YAML; the operator and the sandbox can install them from `crdManifests()` directly.
 */
import type { z } from 'zod';
import { toStructuralSchema } from './openapi/convert.ts';
import type { JSONSchemaProps } from './openapi/types.ts';
import {
  CHAOS_EXPERIMENT_KIND,
  CHAOS_EXPERIMENT_PLURAL,
  ChaosExperimentSpecSchema,
  ChaosExperimentStatusSchema,
} from './schemas/chaos-experiment.ts';
import { API_VERSION, GROUP, VERSION } from './schemas/common.ts';
import {
  RESILIENCE_POLICY_KIND,
  RESILIENCE_POLICY_PLURAL,
  ResiliencePolicySpecSchema,
  ResiliencePolicyStatusSchema,
} from './schemas/resilience-policy.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  priority?: number;
}

/** Everything that distinguishes one custom resource kind from another. */
export interface ResourceDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: PrinterColumn[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }>;
  };
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const RESOURCE_DEFINITIONS: readonly ResourceDefinition[] = [
  {
    kind: RESILIENCE_POLICY_KIND,
    plural: RESILIENCE_POLICY_PLURAL,
    singular: 'resiliencepolicy',
    shortNames: ['rpol'],
    categories: ['homeostat'],
    description:
      'ResiliencePolicy declares the service level objectives of one Deployment and what Homeostat may do ' +
      'to keep them: predictive and reactive scaling, restarting and quarantining pods, rolling back, ' +
      'all within guardrails.',
    spec: ResiliencePolicySpecSchema,
    status: ResiliencePolicyStatusSchema,
    printerColumns: [
      {
        name: 'Target',
        type: 'string',
        jsonPath: '.spec.targetRef.name',
        description: 'The Deployment kept healthy.',
      },
      { name: 'Mode', type: 'string', jsonPath: '.spec.mode', description: 'Enforce or DryRun.' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas', description: 'Current replicas.' },
      {
        name: 'Desired',
        type: 'integer',
        jsonPath: '.status.desiredReplicas',
        description: 'Replicas last decided on.',
      },
      {
        name: 'Ready',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].status',
        description: 'Whether the policy is being applied.',
      },
      {
        name: 'Risk',
        type: 'string',
        jsonPath: '.status.risk.level',
        description: 'Failure risk.',
        priority: 1,
      },
      AGE,
    ],
  },
  {
    kind: CHAOS_EXPERIMENT_KIND,
    plural: CHAOS_EXPERIMENT_PLURAL,
    singular: 'chaosexperiment',
    shortNames: ['chaos', 'cexp'],
    categories: ['homeostat'],
    description:
      'ChaosExperiment injects one fault (pod kill, latency, HTTP errors) into selected pods for a bounded ' +
      'time, checks a steady-state hypothesis, aborts when told to, and measures how the system coped.',
    spec: ChaosExperimentSpecSchema,
    status: ChaosExperimentStatusSchema,
    printerColumns: [
      { name: 'Fault', type: 'string', jsonPath: '.spec.fault.kind', description: 'The fault injected.' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the experiment is.' },
      {
        name: 'Verdict',
        type: 'string',
        jsonPath: '.status.verdict',
        description: 'Passed, Failed or Inconclusive.',
      },
      { name: 'Duration', type: 'string', jsonPath: '.spec.duration', priority: 1 },
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule.cron', priority: 1 },
      AGE,
    ],
  },
];

/** The openAPIV3Schema of a resource: the usual envelope around its spec and status schemas. */
export function openAPIV3Schema(definition: ResourceDefinition): JSONSchemaProps {
  return {
    description: definition.description,
    type: 'object',
    properties: {
      apiVersion: {
        description: `APIVersion defines the versioned schema of this representation of an object: ${API_VERSION}.`,
        type: 'string',
      },
      kind: {
        description: `Kind is a string value representing the REST resource this object represents: ${definition.kind}.`,
        type: 'string',
      },
      metadata: { type: 'object' },
      spec: {
        description: `The desired state of the ${definition.kind}.`,
        ...toStructuralSchema(definition.spec),
      },
      status: {
        description: `The observed state of the ${definition.kind}, written by Homeostat.`,
        ...toStructuralSchema(definition.status),
      },
    },
    required: ['spec'],
  };
}

export function buildCustomResourceDefinition(definition: ResourceDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'homeostat', 'app.kubernetes.io/part-of': 'homeostat' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: [...definition.categories],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          schema: { openAPIV3Schema: openAPIV3Schema(definition) },
        },
      ],
    },
  };
}

let cached: CustomResourceDefinition[] | undefined;

/** The CRDs of every Homeostat resource, in a fresh copy the caller may change. */
export function crdManifests(): CustomResourceDefinition[] {
  cached ??= RESOURCE_DEFINITIONS.map(buildCustomResourceDefinition);
  return structuredClone(cached);
}

/** The openAPIV3Schema of one kind (shared, do not modify). */
export function schemaForKind(kind: string): JSONSchemaProps {
  cached ??= RESOURCE_DEFINITIONS.map(buildCustomResourceDefinition);
  const crd = cached.find((c) => c.spec.names.kind === kind);
  if (!crd) throw new Error(`no Homeostat custom resource of kind ${JSON.stringify(kind)}`);
  return crd.spec.versions[0].schema.openAPIV3Schema;
}
