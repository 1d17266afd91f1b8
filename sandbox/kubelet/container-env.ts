// A container's environment, built the way the kubelet does (makeEnvironmentVariables): service
// links, then envFrom, then env with $(VAR) expansion, fieldRef, resourceFieldRef, configMapKeyRef
// and secretKeyRef. The sandbox adds POD_IP, HOST and PORT so a program knows where to bind.

import type { V1ConfigMap, V1Container, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { parseQuantity } from './quantity.ts';
import { serviceEnvVars } from './service-env.ts';
import { expandVars } from './var-expansion.ts';

/** A missing ConfigMap, Secret or key: the container waits with reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
  readonly reason = 'CreateContainerConfigError';
}

/** Objects fetched before building the env; `null` records one that does not exist. */
export interface EnvSources {
  configMaps: ReadonlyMap<string, V1ConfigMap | null>;
  secrets: ReadonlyMap<string, V1Secret | null>;
}

export interface ContainerEnvInput {
  pod: V1Pod;
  container: V1Container;
  podIP: string;
  hostIP: string;
  /** Services visible to the pod (see servicesVisibleTo). */
  services: readonly V1Service[];
  sources: EnvSources;
  /** The image's ENV. */
  imageEnv?: Record<string, string>;
  /** Variables inherited from the host (PATH, HOME, ...), lowest precedence. */
  baseEnv?: Record<string, string>;
  /** Node allocatable, the default for unset limits in resourceFieldRef. */
  nodeAllocatable: { cpu: number; memory: number; ephemeralStorage: number };
}

/** Names of the ConfigMaps and Secrets a container's env refers to. */
export function envReferences(container: V1Container): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) configMaps.add(from.configMapRef.name);
    if (from.secretRef?.name) secrets.add(from.secretRef.name);
  }
  for (const env of container.env ?? []) {
    if (env.valueFrom?.configMapKeyRef?.name) configMaps.add(env.valueFrom.configMapKeyRef.name);
    if (env.valueFrom?.secretKeyRef?.name) secrets.add(env.valueFrom.secretKeyRef.name);
  }
  return { configMaps, secrets };
}

/** The sandbox's own variables: the pod IP to bind on and the first declared container port. */
export function sandboxEnv(pod: V1Pod, container: V1Container, podIP: string): Record<string, string> {
  const env: Record<string, string> = {
    HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '',
    POD_IP: podIP,
    HOST: podIP,
  };
  const firstPort = container.ports?.[0]?.containerPort;
  if (firstPort !== undefined) env.PORT = String(firstPort);
  return env;
}

function decodeSecretValue(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

function isValidEnvName(name: string): boolean {
  return name.length > 0 && !name.includes('=');
}

export interface ContainerEnv {
  /** Everything the process gets. */
  env: Record<string, string>;
  /** What the pod declares (plus service links and the sandbox's variables): the scope of $(VAR) in command and args. */
  declared: Record<string, string>;
}

export function buildContainerEnv(input: ContainerEnvInput): ContainerEnv {
  const { pod, container, sources } = input;
  const namespace = pod.metadata?.namespace ?? 'default';
  // Variables the container declares (plus the sandbox's and the service links); these are what
  // $(VAR) references may use, as in the kubelet.
  const declared = new Map<string, string>();
  for (const [name, value] of Object.entries(sandboxEnv(pod, container, input.podIP)))
    declared.set(name, value);
  const serviceVars = new Map(serviceEnvVars(input.services));
  for (const [name, value] of serviceVars) declared.set(name, value);

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = sources.configMaps.get(name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      for (const [key, value] of Object.entries(cm.data ?? {})) {
        if (isValidEnvName(prefix + key)) declared.set(prefix + key, value);
      }
    }
    if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = sources.secrets.get(name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        if (isValidEnvName(prefix + key)) declared.set(prefix + key, decodeSecretValue(value));
      }
    }
  }

  for (const env of container.env ?? []) {
    const source = env.valueFrom;
    if (!source) {
      declared.set(
        env.name,
        expandVars(env.value ?? '', (ref) => declared.get(ref)),
      );
      continue;
    }
    if (source.fieldRef) {
      declared.set(env.name, podFieldValue(pod, source.fieldRef.fieldPath, input));
    } else if (source.resourceFieldRef) {
      const ref = source.resourceFieldRef;
      const target = ref.containerName
        ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
            (c) => c.name === ref.containerName,
          )
        : container;
      if (!target)
        throw new ContainerConfigError(
          `env ${env.name}: resourceFieldRef names unknown container "${ref.containerName}"`,
        );
      declared.set(
        env.name,
        resourceFieldValue(target, ref.resource, ref.divisor, input.nodeAllocatable, env.name),
      );
    } else if (source.configMapKeyRef) {
      const { name = '', key, optional } = source.configMapKeyRef;
      const cm = sources.configMaps.get(name);
      if (!cm) {
        if (optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      const value = cm.data?.[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
      declared.set(env.name, value);
    } else if (source.secretKeyRef) {
      const { name = '', key, optional } = source.secretKeyRef;
      const secret = sources.secrets.get(name);
      if (!secret) {
        if (optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      const value = secret.data?.[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      declared.set(env.name, decodeSecretValue(value));
    } else {
      throw new ContainerConfigError(
        `env ${env.name}: valueFrom has no supported source (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef)`,
      );
    }
  }

  const declaredObject = Object.fromEntries(declared);
  return {
    env: { ...(input.baseEnv ?? {}), ...(input.imageEnv ?? {}), ...declaredObject },
    declared: declaredObject,
  };
}

/** Expands $(VAR) in command or args against the container-declared variables. */
export function expandArgv(argv: readonly string[], env: Record<string, string>): string[] {
  return argv.map((arg) => expandVars(arg, (name) => env[name]));
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

function podFieldValue(pod: V1Pod, fieldPath: string, input: ContainerEnvInput): string {
  const subscript = SUBSCRIPT.exec(fieldPath);
  if (subscript) {
    const map = subscript[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[subscript[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return input.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return input.podIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${fieldPath}"`);
  }
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n');
}

function resourceFieldValue(
  container: V1Container,
  resource: string,
  divisor: string | undefined,
  allocatable: ContainerEnvInput['nodeAllocatable'],
  envName: string,
): string {
  const [kind, name] = resource.split('.', 2) as [string, string];
  const defaults: Record<string, number> = {
    cpu: allocatable.cpu,
    memory: allocatable.memory,
    'ephemeral-storage': allocatable.ephemeralStorage,
  };
  if ((kind !== 'limits' && kind !== 'requests') || !(name in defaults)) {
    throw new ContainerConfigError(`env ${envName}: unsupported resourceFieldRef resource "${resource}"`);
  }
  const declared = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[name];
  let value: number;
  try {
    // Unset limits mean "up to the node"; unset requests default to the limit when one is set.
    const fallback = kind === 'limits' ? defaults[name] : (container.resources?.limits?.[name] ?? 0);
    value = declared !== undefined ? parseQuantity(declared) : parseQuantity(fallback);
    const div = parseQuantity(divisor ?? '1');
    if (div <= 0) throw new Error(`divisor must be positive, got "${divisor}"`);
    return String(Math.ceil(value / div - 1e-9));
  } catch (err) {
    throw new ContainerConfigError(`env ${envName}: ${(err as Error).message}`);
  }
}
