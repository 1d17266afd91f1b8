/**
 * The public surface of Homeostat's API contract: the zod schemas and types of every custom
 * resource, parsing with field-level errors, and the CustomResourceDefinitions built from them.
 */

export {
  type CustomResourceDefinition,
  crdManifests,
  type PrinterColumn,
  RESOURCE_DEFINITIONS,
  type ResourceDefinition,
  schemaForKind,
} from './manifests.ts';
export { SchemaConversionError, toStructuralSchema } from './openapi/convert.ts';
export { structuralViolations } from './openapi/structural.ts';
export type { JSONSchemaProps, ValidationRuleProps } from './openapi/types.ts';
export {
  applyDefaults,
  pruneUnknownFields,
  unknownFieldPaths,
  validateAgainstSchema,
} from './openapi/validate.ts';

export {
  assertChaosExperiment,
  assertResiliencePolicy,
  CustomResourceValidationError,
  type FieldError,
  fieldErrorsFromZod,
  formatFieldErrors,
  type HomeostatResource,
  type ParseOptions,
  type ParseResult,
  parseChaosExperiment,
  parseHomeostatResource,
  parseResiliencePolicy,
} from './parse.ts';
export * from './schemas/chaos-experiment.ts';
export * from './schemas/common.ts';
export { cronError, normalizeCron } from './schemas/cron.ts';
export * from './schemas/resilience-policy.ts';
