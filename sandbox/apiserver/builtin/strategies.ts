// Per-kind behaviour of built-in resources: defaulting, validation, and what create and update may
// change, after the strategies in kube-apiserver's registry packages.
import { errors, fieldErrors, type StatusCause } from '../errors.ts';
import { type NameRule, validateAnnotations, validateLabels, validateName } from './names.ts';
import { networkPolicyStrategy } from './network-policy.ts';
import { defaultPodSpec, qosClass, validatePodSpec } from './pod-spec.ts';
import { rbacStrategies } from './rbac.ts';

export interface StrategyContext {
  allocateClusterIP(): string;
  releaseClusterIP(ip: string): void;
  now(): string;
}

export interface Strategy {
  nameRule: NameRule;
  /** Fills defaults in place. Runs on create and on every update. */
  defaults?(obj: any): void;
  prepareForCreate?(obj: any, ctx: StrategyContext): void;
  prepareForUpdate?(obj: any, old: any, ctx: StrategyContext): void;
  validate?(obj: any): StatusCause[];
  validateUpdate?(obj: any, old: any): StatusCause[];
  /** Releases what create allocated (for example a Service's cluster IP). */
  onDelete?(obj: any, ctx: StrategyContext): void;
}

export function validateObjectMeta(obj: any, namespaced: boolean, rule: NameRule): StatusCause[] {
  const out: StatusCause[] = [];
  const md = obj.metadata;
  if (!md || typeof md !== 'object') return [fieldErrors.required('metadata')];
  if (typeof md.name !== 'string' || md.name === '')
    out.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  else out.push(...validateName('metadata.name', md.name, rule));
  if (namespaced && md.namespace !== undefined && typeof md.namespace === 'string' && md.namespace !== '')
    out.push(...validateName('metadata.namespace', md.namespace, 'label'));
  out.push(...validateLabels('metadata.labels', md.labels));
  out.push(...validateAnnotations('metadata.annotations', md.annotations));
  if (md.finalizers !== undefined) {
    if (!Array.isArray(md.finalizers) || md.finalizers.some((f: unknown) => typeof f !== 'string'))
      out.push(fieldErrors.typeInvalid('metadata.finalizers', md.finalizers, 'must be a list of strings'));
  }
  if (md.ownerReferences !== undefined) {
    if (!Array.isArray(md.ownerReferences))
      out.push(fieldErrors.typeInvalid('metadata.ownerReferences', md.ownerReferences, 'must be a list'));
    else {
      let controllers = 0;
      md.ownerReferences.forEach((r: any, i: number) => {
        for (const k of ['apiVersion', 'kind', 'name', 'uid'])
          if (typeof r?.[k] !== 'string' || r[k] === '')
            out.push(fieldErrors.required(`metadata.ownerReferences[${i}].${k}`));
        if (r?.controller === true) controllers++;
      });
      if (controllers > 1)
        out.push(
          fieldErrors.invalid(
            'metadata.ownerReferences',
            md.ownerReferences.length,
            'Only one reference can have Controller set to true',
          ),
        );
    }
  }
  return out;
}

function validateSelectorMatchesTemplate(field: string, spec: any, out: StatusCause[]): void {
  const sel = spec?.selector;
  if (!sel || typeof sel !== 'object' || (!sel.matchLabels && !sel.matchExpressions)) {
    out.push(fieldErrors.required(`${field}.selector`));
    return;
  }
  if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
    out.push(fieldErrors.invalid(`${field}.selector`, sel, 'empty selector is invalid for deployment'));
  out.push(...validateLabels(`${field}.selector.matchLabels`, sel.matchLabels));
  const labels = spec?.template?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels[k] !== v) {
      out.push(
        fieldErrors.invalid(
          `${field}.template.metadata.labels`,
          labels,
          '`selector` does not match template `labels`',
        ),
      );
      return;
    }
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) {
      out.push(
        fieldErrors.invalid(
          `${field}.template.metadata.labels`,
          labels,
          '`selector` does not match template `labels`',
        ),
      );
      return;
    }
  }
}

function validateReplicas(field: string, v: unknown, out: StatusCause[]): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    out.push(fieldErrors.invalid(field, v, 'must be greater than or equal to 0'));
}

function isIntOrPercent(v: unknown): boolean {
  return (
    (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+%$/.test(v))
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

const workloadDefaults = (obj: any, kind: 'Deployment' | 'ReplicaSet') => {
  const spec = (obj.spec ??= {});
  spec.replicas ??= 1;
  if (kind === 'Deployment') {
    spec.strategy ??= { type: 'RollingUpdate' };
    spec.strategy.type ??= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxSurge ??= '25%';
      spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }
  if (spec.template) {
    spec.template.metadata ??= {};
    defaultPodSpec(spec.template.spec);
  }
};

const workloadValidate = (obj: any, kind: 'Deployment' | 'ReplicaSet'): StatusCause[] => {
  const out: StatusCause[] = [];
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') return [fieldErrors.required('spec')];
  validateReplicas('spec.replicas', spec.replicas, out);
  validateSelectorMatchesTemplate('spec', spec, out);
  if (!spec.template) out.push(fieldErrors.required('spec.template'));
  else {
    out.push(...validateLabels('spec.template.metadata.labels', spec.template.metadata?.labels));
    out.push(...validatePodSpec('spec.template.spec', spec.template.spec));
    const rp = spec.template.spec?.restartPolicy;
    if (rp !== undefined && rp !== 'Always')
      out.push(fieldErrors.unsupported('spec.template.spec.restartPolicy', rp, ['Always']));
  }
  if (kind === 'Deployment') {
    const st = spec.strategy;
    if (st?.type !== undefined && !['RollingUpdate', 'Recreate'].includes(st.type))
      out.push(fieldErrors.unsupported('spec.strategy.type', st.type, ['Recreate', 'RollingUpdate']));
    if (st?.type === 'Recreate' && st.rollingUpdate)
      out.push(
        fieldErrors.forbidden(
          'spec.strategy.rollingUpdate',
          "may not be specified when strategy `type` is 'Recreate'",
        ),
      );
    const ru = st?.rollingUpdate;
    if (ru) {
      for (const k of ['maxSurge', 'maxUnavailable'])
        if (ru[k] !== undefined && !isIntOrPercent(ru[k]))
          out.push(
            fieldErrors.invalid(
              `spec.strategy.rollingUpdate.${k}`,
              ru[k],
              'must be a non-negative integer or a percentage like "25%"',
            ),
          );
      const zero = (v: unknown) => v === 0 || v === '0%';
      if (zero(ru.maxSurge) && zero(ru.maxUnavailable))
        out.push(
          fieldErrors.invalid(
            'spec.strategy.rollingUpdate.maxUnavailable',
            ru.maxUnavailable,
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      if (typeof ru.maxUnavailable === 'string' && Number.parseInt(ru.maxUnavailable, 10) > 100)
        out.push(
          fieldErrors.invalid(
            'spec.strategy.rollingUpdate.maxUnavailable',
            ru.maxUnavailable,
            'must not be greater than 100%',
          ),
        );
    }
    for (const k of ['revisionHistoryLimit', 'progressDeadlineSeconds', 'minReadySeconds'])
      if (spec[k] !== undefined) validateReplicas(`spec.${k}`, spec[k], out);
  }
  return out;
};

const workloadValidateUpdate = (obj: any, old: any): StatusCause[] =>
  sameJson(obj.spec?.selector, old.spec?.selector)
    ? []
    : [fieldErrors.invalid('spec.selector', obj.spec?.selector, 'field is immutable')];

const POD_MUTABLE = new Set(['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']);

export const strategies: Record<string, Strategy> = {
  '/namespaces': {
    nameRule: 'label',
    defaults(obj) {
      obj.spec ??= {};
      obj.spec.finalizers ??= ['kubernetes'];
    },
    prepareForCreate(obj) {
      obj.status = { phase: 'Active' };
      obj.metadata.labels = {
        ...(obj.metadata.labels ?? {}),
        'kubernetes.io/metadata.name': obj.metadata.name,
      };
    },
    prepareForUpdate(obj, old) {
      obj.metadata.labels = {
        ...(obj.metadata.labels ?? {}),
        'kubernetes.io/metadata.name': obj.metadata.name,
      };
      obj.spec = old.spec; // spec.finalizers only changes through the finalize subresource
    },
  },
  '/nodes': { nameRule: 'subdomain' },
  '/pods': {
    nameRule: 'subdomain',
    defaults(obj) {
      obj.spec ??= {};
      defaultPodSpec(obj.spec);
    },
    prepareForCreate(obj) {
      obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
    },
    validate: (obj) => validatePodSpec('spec', obj.spec),
    validateUpdate(obj, old) {
      const a = { ...obj.spec };
      const b = { ...old.spec };
      for (const k of POD_MUTABLE) {
        delete a[k];
        delete b[k];
      }
      const strip = (cs: any[] | undefined) => (cs ?? []).map((c) => ({ ...c, image: undefined }));
      a.containers = strip(a.containers);
      b.containers = strip(b.containers);
      a.initContainers = strip(a.initContainers);
      b.initContainers = strip(b.initContainers);
      if (old.spec?.nodeName && obj.spec?.nodeName !== old.spec.nodeName)
        return [fieldErrors.forbidden('spec.nodeName', 'may not be changed once set')];
      if (!old.spec?.nodeName) {
        delete a.nodeName;
        delete b.nodeName;
      }
      if (!sameJson(a, b))
        return [
          fieldErrors.forbidden(
            'spec',
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          ),
        ];
      return [];
    },
  },
  '/services': {
    nameRule: 'dns1035',
    defaults(obj) {
      const spec = (obj.spec ??= {});
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.internalTrafficPolicy ??= 'Cluster';
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
        if (!p || typeof p !== 'object') continue;
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
    },
    prepareForCreate(obj, ctx) {
      obj.status = { loadBalancer: {} };
      const spec = obj.spec;
      if (spec.clusterIP !== 'None' && spec.type !== 'ExternalName') {
        spec.clusterIP ??= ctx.allocateClusterIP();
        spec.clusterIPs = [spec.clusterIP];
      } else if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    },
    prepareForUpdate(obj, old) {
      obj.spec.clusterIP ??= old.spec?.clusterIP;
      obj.spec.clusterIPs ??= old.spec?.clusterIPs;
    },
    validate(obj) {
      const out: StatusCause[] = [];
      const spec = obj.spec ?? {};
      if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(spec.type))
        out.push(
          fieldErrors.unsupported('spec.type', spec.type, [
            'ClusterIP',
            'ExternalName',
            'LoadBalancer',
            'NodePort',
          ]),
        );
      const ports = spec.ports;
      if (
        spec.type !== 'ExternalName' &&
        spec.clusterIP !== 'None' &&
        (!Array.isArray(ports) || ports.length === 0)
      )
        out.push(fieldErrors.required('spec.ports'));
      if (Array.isArray(ports)) {
        const names = new Set<string>();
        ports.forEach((p: any, i: number) => {
          const port = p?.port;
          if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
            out.push(
              fieldErrors.invalid(`spec.ports[${i}].port`, port, 'must be between 1 and 65535, inclusive'),
            );
          if (ports.length > 1 && !p?.name) out.push(fieldErrors.required(`spec.ports[${i}].name`));
          if (p?.name) {
            if (names.has(p.name)) out.push(fieldErrors.duplicate(`spec.ports[${i}].name`, p.name));
            names.add(p.name);
          }
          if (!['TCP', 'UDP', 'SCTP'].includes(p?.protocol))
            out.push(
              fieldErrors.unsupported(`spec.ports[${i}].protocol`, p?.protocol, ['SCTP', 'TCP', 'UDP']),
            );
        });
      }
      if (spec.selector !== undefined) out.push(...validateLabels('spec.selector', spec.selector));
      return out;
    },
    validateUpdate(obj, old) {
      if (old.spec?.clusterIP && obj.spec?.clusterIP !== old.spec.clusterIP)
        return [fieldErrors.invalid('spec.clusterIPs[0]', obj.spec?.clusterIP, 'may not change once set')];
      return [];
    },
    onDelete(obj, ctx) {
      if (obj.spec?.clusterIP && obj.spec.clusterIP !== 'None') ctx.releaseClusterIP(obj.spec.clusterIP);
    },
  },
  '/endpoints': { nameRule: 'subdomain' },
  '/events': {
    nameRule: 'path',
    validate(obj) {
      const out: StatusCause[] = [];
      if (!obj.involvedObject) out.push(fieldErrors.required('involvedObject'));
      return out;
    },
  },
  '/configmaps': {
    nameRule: 'subdomain',
    validate(obj) {
      return validateDataKeys('data', obj.data).concat(validateDataKeys('binaryData', obj.binaryData));
    },
  },
  '/secrets': {
    nameRule: 'subdomain',
    defaults(obj) {
      obj.type ??= 'Opaque';
      // stringData is write-only: it is merged into data, base64-encoded, as kube-apiserver does.
      if (obj.stringData && typeof obj.stringData === 'object') {
        obj.data = { ...(obj.data ?? {}) };
        for (const [k, v] of Object.entries(obj.stringData))
          obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
    },
    validate(obj) {
      const out = validateDataKeys('data', obj.data);
      for (const [k, v] of Object.entries(obj.data ?? {}))
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
          out.push(fieldErrors.invalid(`data[${k}]`, '<secret value>', 'must be base64-encoded'));
      return out;
    },
  },
  '/serviceaccounts': { nameRule: 'subdomain' },
  'apps/deployments': {
    nameRule: 'subdomain',
    defaults: (obj) => workloadDefaults(obj, 'Deployment'),
    prepareForCreate(obj) {
      obj.status = {};
    },
    validate: (obj) => workloadValidate(obj, 'Deployment'),
    validateUpdate: workloadValidateUpdate,
  },
  'apps/replicasets': {
    nameRule: 'subdomain',
    defaults: (obj) => workloadDefaults(obj, 'ReplicaSet'),
    prepareForCreate(obj) {
      obj.status = { replicas: 0 };
    },
    validate: (obj) => workloadValidate(obj, 'ReplicaSet'),
    validateUpdate: workloadValidateUpdate,
  },
  'coordination.k8s.io/leases': { nameRule: 'subdomain' },
  'discovery.k8s.io/endpointslices': {
    nameRule: 'subdomain',
    validate(obj) {
      const out: StatusCause[] = [];
      if (!['IPv4', 'IPv6', 'FQDN'].includes(obj.addressType))
        out.push(fieldErrors.unsupported('addressType', obj.addressType, ['FQDN', 'IPv4', 'IPv6']));
      return out;
    },
  },
  'policy/poddisruptionbudgets': {
    nameRule: 'subdomain',
    prepareForCreate(obj) {
      obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    },
    validate(obj) {
      const out: StatusCause[] = [];
      const spec = obj.spec ?? {};
      if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
        out.push(fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
      for (const k of ['minAvailable', 'maxUnavailable'])
        if (spec[k] !== undefined && !isIntOrPercent(spec[k]))
          out.push(
            fieldErrors.invalid(`spec.${k}`, spec[k], 'must be a non-negative integer or a percentage'),
          );
      return out;
    },
  },
  'networking.k8s.io/networkpolicies': networkPolicyStrategy,
  ...rbacStrategies,
};

function validateDataKeys(field: string, data: unknown): StatusCause[] {
  if (data === undefined || data === null) return [];
  if (typeof data !== 'object' || Array.isArray(data))
    return [fieldErrors.typeInvalid(field, data, 'must be a map')];
  const out: StatusCause[] = [];
  for (const k of Object.keys(data))
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253)
      out.push(
        fieldErrors.invalid(
          `${field}[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
  return out;
}

export const defaultStrategy: Strategy = { nameRule: 'subdomain' };

export function strategyFor(group: string, plural: string): Strategy {
  return strategies[`${group}/${plural}`] ?? defaultStrategy;
}

/** Raised when a namespaced create targets a namespace that is gone or going. */
export const namespaceErrors = {
  missing: (ns: string) => errors.notFound('namespaces', '', ns),
  terminating: (ns: string) =>
    errors.forbidden(`unable to create new content in namespace ${ns} because it is being terminated`),
};
