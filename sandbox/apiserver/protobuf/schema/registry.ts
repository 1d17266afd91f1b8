// Every message the decoder knows, and which message encodes each top-level kind.
import { appsV1 } from './apps-v1.ts';
import { autoscalingV1 } from './autoscaling-v1.ts';
import { coordinationV1 } from './coordination-v1.ts';
import { coreV1 } from './core-v1.ts';
import { discoveryV1 } from './discovery-v1.ts';
import { isScalar, isSpecial, type MessageSpec } from './dsl.ts';
import { metaV1 } from './meta-v1.ts';
import { networkingV1 } from './networking-v1.ts';
import { policyV1 } from './policy-v1.ts';
import { rbacV1 } from './rbac-v1.ts';

function buildRegistry(): ReadonlyMap<string, MessageSpec> {
  const all = new Map<string, MessageSpec>();
  for (const spec of [
    ...metaV1,
    ...coreV1,
    ...appsV1,
    ...policyV1,
    ...coordinationV1,
    ...discoveryV1,
    ...autoscalingV1,
    ...rbacV1,
    ...networkingV1,
  ]) {
    if (all.has(spec.name)) throw new Error(`protobuf schema: ${spec.name} is defined twice`);
    all.set(spec.name, spec);
  }
  // A dangling reference is a bug in the tables: fail at import, not on some request.
  for (const spec of all.values())
    for (const f of spec.fields)
      if (!isScalar(f.type) && !isSpecial(f.type) && !all.has(f.type))
        throw new Error(
          `protobuf schema: ${spec.name} field ${f.number} refers to unknown message ${f.type}`,
        );
  return all;
}

export const messages: ReadonlyMap<string, MessageSpec> = buildRegistry();

export function messageSpec(name: string): MessageSpec {
  const spec = messages.get(name);
  if (!spec) throw new Error(`protobuf schema: no message ${name}`);
  return spec;
}

/** `apiVersion/kind` of each top-level object the sandbox accepts in protobuf, to its message. */
const KINDS = new Map<string, string>(
  Object.entries({
    'v1/Namespace': 'core/v1.Namespace',
    'v1/ConfigMap': 'core/v1.ConfigMap',
    'v1/Secret': 'core/v1.Secret',
    'v1/Service': 'core/v1.Service',
    'v1/ServiceAccount': 'core/v1.ServiceAccount',
    'v1/Pod': 'core/v1.Pod',
    'v1/Binding': 'core/v1.Binding',
    'v1/Endpoints': 'core/v1.Endpoints',
    'v1/Event': 'core/v1.Event',
    'v1/Node': 'core/v1.Node',
    'apps/v1/Deployment': 'apps/v1.Deployment',
    'apps/v1/ReplicaSet': 'apps/v1.ReplicaSet',
    'policy/v1/PodDisruptionBudget': 'policy/v1.PodDisruptionBudget',
    'policy/v1/Eviction': 'policy/v1.Eviction',
    'policy/v1beta1/Eviction': 'policy/v1.Eviction',
    'coordination.k8s.io/v1/Lease': 'coordination/v1.Lease',
    'discovery.k8s.io/v1/EndpointSlice': 'discovery/v1.EndpointSlice',
    'autoscaling/v1/Scale': 'autoscaling/v1.Scale',
    'rbac.authorization.k8s.io/v1/Role': 'rbac/v1.Role',
    'rbac.authorization.k8s.io/v1/ClusterRole': 'rbac/v1.ClusterRole',
    'rbac.authorization.k8s.io/v1/RoleBinding': 'rbac/v1.RoleBinding',
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'rbac/v1.ClusterRoleBinding',
    'networking.k8s.io/v1/NetworkPolicy': 'networking/v1.NetworkPolicy',
  }),
);

/** The message that encodes `kind` at `apiVersion`, or undefined when the sandbox has no table for it. */
export function messageForKind(apiVersion: string, kind: string): MessageSpec | undefined {
  // meta/v1 DeleteOptions is registered in every group version, so clients label it with theirs.
  if (kind === 'DeleteOptions') return messageSpec('meta/v1.DeleteOptions');
  const name = KINDS.get(`${apiVersion}/${kind}`);
  return name === undefined ? undefined : messageSpec(name);
}

export function supportedKinds(): string[] {
  return [...[...KINDS.keys()].map((k) => k.replace(/\/([^/]+)$/, ' $1')), '<any> DeleteOptions'];
}
