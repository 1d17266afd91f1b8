// Defaults and validation for pod specs, shared by Pods and the pod templates of workload kinds.
import { fieldErrors, type StatusCause } from '../errors.ts';
import { validateLabels, validateName } from './names.ts';

function defaultProbe(p: any): void {
  if (!p || typeof p !== 'object') return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) p.httpGet.scheme ??= 'HTTP';
  if (p.httpGet) p.httpGet.path ??= '/';
}

function defaultContainer(c: any): void {
  if (!c || typeof c !== 'object') return;
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = image.includes('@') ? 'digest' : (image.split('/').pop()?.split(':')[1] ?? 'latest');
  c.imagePullPolicy ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  for (const e of Array.isArray(c.env) ? c.env : []) {
    const f = e?.valueFrom?.fieldRef;
    if (f) f.apiVersion ??= 'v1';
  }
  defaultProbe(c.readinessProbe);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.startupProbe);
}

export function defaultPodSpec(spec: any): void {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.priority ??= 0;
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c);
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];

function validatePort(field: string, v: unknown, out: StatusCause[]): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    out.push(fieldErrors.invalid(field, v, 'must be between 1 and 65535, inclusive'));
}

function validateContainers(field: string, list: unknown, required: boolean, out: StatusCause[]): void {
  if (list === undefined || list === null) {
    if (required) out.push(fieldErrors.required(field));
    return;
  }
  if (!Array.isArray(list)) {
    out.push(fieldErrors.typeInvalid(field, list, 'must be a list of containers'));
    return;
  }
  if (required && list.length === 0) out.push(fieldErrors.required(field));
  const seen = new Set<string>();
  list.forEach((c: any, i) => {
    const f = `${field}[${i}]`;
    if (!c || typeof c !== 'object') {
      out.push(fieldErrors.typeInvalid(f, c, 'must be an object'));
      return;
    }
    if (typeof c.name !== 'string' || c.name === '') out.push(fieldErrors.required(`${f}.name`));
    else {
      out.push(...validateName(`${f}.name`, c.name, 'label'));
      if (seen.has(c.name)) out.push(fieldErrors.duplicate(`${f}.name`, c.name));
      seen.add(c.name);
    }
    if (typeof c.image !== 'string' || c.image.trim() === '') out.push(fieldErrors.required(`${f}.image`));
    if (c.command !== undefined && !isStringArray(c.command))
      out.push(fieldErrors.typeInvalid(`${f}.command`, c.command, 'must be a list of strings'));
    if (c.args !== undefined && !isStringArray(c.args))
      out.push(fieldErrors.typeInvalid(`${f}.args`, c.args, 'must be a list of strings'));
    if (c.ports !== undefined) {
      if (!Array.isArray(c.ports)) out.push(fieldErrors.typeInvalid(`${f}.ports`, c.ports, 'must be a list'));
      else
        c.ports.forEach((p: any, j: number) => {
          validatePort(`${f}.ports[${j}].containerPort`, p?.containerPort, out);
          if (p?.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol))
            out.push(
              fieldErrors.unsupported(`${f}.ports[${j}].protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']),
            );
        });
    }
    if (c.env !== undefined) {
      if (!Array.isArray(c.env)) out.push(fieldErrors.typeInvalid(`${f}.env`, c.env, 'must be a list'));
      else
        c.env.forEach((e: any, j: number) => {
          if (typeof e?.name !== 'string' || e.name === '')
            out.push(fieldErrors.required(`${f}.env[${j}].name`));
          if (e?.value !== undefined && typeof e.value !== 'string')
            out.push(fieldErrors.typeInvalid(`${f}.env[${j}].value`, e.value, 'must be a string'));
        });
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const p = c[probe];
      if (p === undefined) continue;
      const handlers = ['httpGet', 'tcpSocket', 'exec', 'grpc'].filter((h) => p?.[h] !== undefined);
      if (handlers.length === 0)
        out.push(fieldErrors.required(`${f}.${probe}`, 'must specify a handler type'));
      if (handlers.length > 1)
        out.push(
          fieldErrors.forbidden(`${f}.${probe}.${handlers[1]}`, 'may not specify more than 1 handler type'),
        );
    }
  });
}

function isStringArray(v: unknown): boolean {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

export function validatePodSpec(field: string, spec: any): StatusCause[] {
  const out: StatusCause[] = [];
  if (!spec || typeof spec !== 'object') return [fieldErrors.required(field)];
  validateContainers(`${field}.containers`, spec.containers, true, out);
  validateContainers(`${field}.initContainers`, spec.initContainers, false, out);
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy))
    out.push(fieldErrors.unsupported(`${field}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0))
    out.push(
      fieldErrors.invalid(
        `${field}.terminationGracePeriodSeconds`,
        grace,
        'must be greater than or equal to 0',
      ),
    );
  if (spec.nodeSelector !== undefined)
    out.push(...validateLabels(`${field}.nodeSelector`, spec.nodeSelector));
  return out;
}

/** The QoS class the kubelet and scheduler derive from requests and limits. */
export function qosClass(spec: any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
