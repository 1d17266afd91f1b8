// CustomResourceDefinitions: checked when written, and served as new resources once established.
import { errors, fieldErrors, type StatusCause } from './errors.ts';
import { nowRfc3339 } from './meta.ts';
import { structuralSchemaErrors } from './mutations.ts';
import { descriptorsFromCrd, type ResourceRegistry } from './resources.ts';
import type { RestHooks } from './rest.ts';
import type { Store } from './store.ts';

function validateCrd(crd: any): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  if (!spec.group) out.push(fieldErrors.required('spec.group'));
  else if (!String(spec.group).includes('.'))
    out.push(fieldErrors.invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  if (!names.plural) out.push(fieldErrors.required('spec.names.plural'));
  if (!names.kind) out.push(fieldErrors.required('spec.names.kind'));
  if (names.plural && spec.group && crd.metadata?.name !== `${names.plural}.${spec.group}`)
    out.push(
      fieldErrors.invalid('metadata.name', crd.metadata?.name, `must be spec.names.plural+"."+spec.group`),
    );
  if (!['Namespaced', 'Cluster'].includes(spec.scope))
    out.push(fieldErrors.unsupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    out.push(
      fieldErrors.required('spec.versions', 'must have exactly one version marked as storage version'),
    );
  const storage = versions.filter((v: any) => v?.storage === true);
  if (versions.length && storage.length !== 1)
    out.push(
      fieldErrors.invalid(
        'spec.versions',
        versions.length,
        'must have exactly one version marked as storage version',
      ),
    );
  versions.forEach((v: any, i: number) => {
    const f = `spec.versions[${i}]`;
    if (!v?.name) out.push(fieldErrors.required(`${f}.name`));
    if (typeof v?.served !== 'boolean') out.push(fieldErrors.required(`${f}.served`));
    const schema = v?.schema?.openAPIV3Schema;
    if (!schema) out.push(fieldErrors.required(`${f}.schema.openAPIV3Schema`, 'schemas are required'));
    else out.push(...structuralSchemaErrors(schema, `${f}.schema.openAPIV3Schema`));
    const scale = v?.subresources?.scale;
    if (scale && (!scale.specReplicasPath || !scale.statusReplicasPath))
      out.push(
        fieldErrors.required(
          `${f}.subresources.scale`,
          'specReplicasPath and statusReplicasPath are required',
        ),
      );
  });
  return out;
}

export function registerCrdHooks(registry: ResourceRegistry, store: Store): RestHooks {
  return {
    beforeCrdWrite(crd, old) {
      const causes = validateCrd(crd);
      if (old && old.spec?.group !== crd.spec?.group)
        causes.push(fieldErrors.invalid('spec.group', crd.spec?.group, 'field is immutable'));
      if (old && old.spec?.scope !== crd.spec?.scope)
        causes.push(fieldErrors.invalid('spec.scope', crd.spec?.scope, 'field is immutable'));
      if (causes.length)
        throw errors.invalid(
          'CustomResourceDefinition',
          'apiextensions.k8s.io',
          crd.metadata?.name ?? '',
          causes,
        );
      const taken = registry
        .all()
        .find(
          (d) =>
            d.group === crd.spec.group &&
            d.plural === crd.spec.names.plural &&
            d.custom?.crdName !== crd.metadata.name,
        );
      if (taken)
        throw errors.conflict(
          'customresourcedefinitions',
          'apiextensions.k8s.io',
          crd.metadata.name,
          `plural ${crd.spec.names.plural} is already in use`,
        );
      const now = nowRfc3339();
      const storageVersion = crd.spec.versions.find((v: any) => v.storage).name;
      const stored = new Set<string>(old?.status?.storedVersions ?? []);
      stored.add(storageVersion);
      const terminating = Boolean(crd.metadata.deletionTimestamp);
      crd.status = {
        acceptedNames: {
          listKind: `${crd.spec.names.kind}List`,
          singular: String(crd.spec.names.kind).toLowerCase(),
          ...crd.spec.names,
        },
        conditions: [
          {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
            lastTransitionTime: old?.status?.conditions?.[0]?.lastTransitionTime ?? now,
          },
          {
            type: 'Established',
            status: terminating ? 'False' : 'True',
            reason: terminating ? 'Terminating' : 'InitialNamesAccepted',
            message: terminating ? 'the CRD is being deleted' : 'the initial names have been accepted',
            lastTransitionTime: old?.status?.conditions?.[1]?.lastTransitionTime ?? now,
          },
        ],
        storedVersions: [...stored],
      };
    },
    afterCrdWrite(crd) {
      registry.removeCrd(crd.metadata.name);
      for (const d of descriptorsFromCrd(crd)) registry.add(d);
    },
    afterCrdRemoved(crd) {
      registry.removeCrd(crd.metadata.name);
      store.dropType(`${crd.spec.group}/${crd.spec.names.plural}`);
    },
  };
}
