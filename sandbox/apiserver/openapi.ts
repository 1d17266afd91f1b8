// OpenAPI v3 documents, one per group-version. kubectl reads them to decide whether the server
// validates fields itself (the fieldValidation parameter on PATCH) and to explain kinds: custom
// resources by their CRD schemas, built-in kinds described in builtin/schemas by kube's own
// schemas, the rest by a loose placeholder.
import { createHash } from 'node:crypto';
import { builtinKindSchema } from './builtin/schemas/index.ts';
import type { ResourceDescriptor, ResourceRegistry } from './resources.ts';

const fieldValidationParam = {
  name: 'fieldValidation',
  in: 'query',
  description:
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn and Strict.',
  schema: { type: 'string', uniqueItems: true },
};
const dryRunParam = { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } };
const fieldManagerParam = {
  name: 'fieldManager',
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
};
const forceParam = { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } };

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function definitionName(d: ResourceDescriptor): string {
  const g = d.group === '' ? 'core' : d.group;
  const reversed = g.split('.').reverse().join('.');
  return d.custom
    ? `${reversed}.${d.version}.${d.kind}`
    : `io.k8s.api.${g.split('.')[0]}.${d.version}.${d.kind}`;
}

function objectSchema(d: ResourceDescriptor): unknown {
  const gvk = [{ group: d.group, version: d.version, kind: d.kind }];
  const schema = (d.custom?.schema as Record<string, unknown> | undefined) ?? {
    type: 'object',
    description: `${d.kind} (schema served by the sandbox API server, which validates built-in kinds itself).`,
    'x-kubernetes-preserve-unknown-fields': true,
  };
  const props = ((schema as any).properties ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: {
        type: 'object',
        description: 'Standard object metadata.',
        'x-kubernetes-preserve-unknown-fields': true,
      },
      ...props,
    },
    // Built-in kinds carry no GVK on their schema, so kubectl computes strategic merge patches from
    // its compiled types instead of from this deliberately loose schema.
    ...(d.custom ? { 'x-kubernetes-group-version-kind': gvk } : {}),
  };
}

export function openApiV3Doc(
  registry: ResourceRegistry,
  group: string,
  version: string,
): unknown | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const d of resources) {
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const described = d.custom ? undefined : builtinKindSchema(d.group, d.version, d.kind);
    const name = described?.name ?? definitionName(d);
    const ref = { $ref: `#/components/schemas/${name}` };
    if (described) Object.assign(schemas, described.definitions);
    else schemas[name] = objectSchema(d);
    const base = `/${gvPath(group, version)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}`;
    const body = { content: { '*/*': { schema: ref } }, required: true };
    const ok = {
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    };
    const op = (id: string, action: string, extra: object = {}) => ({
      operationId: `${id}${d.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...ok,
      ...extra,
    });
    paths[base] = {
      get: op('list', 'list'),
      post: op('create', 'post', {
        requestBody: body,
        parameters: [dryRunParam, fieldManagerParam, fieldValidationParam],
      }),
      ...(d.verbs.includes('deletecollection') ? { delete: op('deletecollection', 'deletecollection') } : {}),
    };
    paths[`${base}/{name}`] = {
      get: op('read', 'get'),
      put: op('replace', 'put', {
        requestBody: body,
        parameters: [dryRunParam, fieldManagerParam, fieldValidationParam],
      }),
      patch: op('patch', 'patch', {
        // kubectl computes a strategic merge patch from the OpenAPI schema only when this list offers
        // it; our schemas are loose, so it uses its compiled types for built-in kinds instead, and
        // custom resources never take strategic merge patches at all.
        requestBody: {
          content: {
            'application/json-patch+json': {},
            'application/merge-patch+json': {},
            'application/apply-patch+yaml': {},
          },
        },
        parameters: [dryRunParam, fieldManagerParam, fieldValidationParam, forceParam],
      }),
      delete: op('delete', 'delete'),
    };
    for (const s of d.subresources) {
      if (s.name !== 'status' && s.name !== 'scale') continue;
      paths[`${base}/{name}/${s.name}`] = {
        get: op(`read${s.name}`, 'get'),
        patch: op(`patch${s.name}`, 'patch', {
          parameters: [dryRunParam, fieldManagerParam, fieldValidationParam, forceParam],
        }),
        put: op(`replace${s.name}`, 'put', {
          parameters: [dryRunParam, fieldManagerParam, fieldValidationParam],
        }),
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Homeostat sandbox', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

/** The /openapi/v3 index: one entry per group-version with a content hash for caching. */
export function openApiV3Index(registry: ResourceRegistry): unknown {
  const paths: Record<string, unknown> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const doc = openApiV3Doc(registry, group, version);
      const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
      const p = gvPath(group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
    }
  }
  return { paths };
}
