// Merge types of the built-in kinds the sandbox serves, taken from the Kubernetes v1.32 Go API
// types (k8s.io/api): patchStrategy/patchMergeKey tags for strategic merge patch, and
// +listType/+listMapKey/+mapType/+structType markers for server-side apply (falling back, as
// kube's OpenAPI conversion does, to the patch strategy when a list has no listType).
//
// Each struct lists only the fields that are not plain scalars. A field spec is a small string:
//   Name        pointer to struct Name          Name!   non-pointer struct (`{}` in the zero value)
//   {Name} {}   map of Name / of scalars        ...@    atomic struct or map
//   [Name] []   list of Name / of scalars, atomic for server-side apply
//   ...set  ...map:k1,k2                        server-side apply list type and keys
//   ...|merge  ...|merge:key                    strategic merge patch merges the list (by key)
//   ...|replace                                 strategic merge patch replaces the object
//   ~...                                        a non-omitempty pointer, list or map: `null` in the zero value
// A struct that is entirely atomic is written '@'.

import { ApiError } from '../errors.ts';
import {
  type FieldDef,
  type ListType,
  type StructType,
  scalar,
  setObjectMetaType,
  type TypeNode,
} from './types.ts';

const STRUCTS: Readonly<Record<string, '@' | Readonly<Record<string, string>>>> = {
  AggregationRule: { clusterRoleSelectors: '[LabelSelector]' },
  Affinity: { nodeAffinity: 'NodeAffinity', podAffinity: 'PodAffinity', podAntiAffinity: 'PodAntiAffinity' },
  AppArmorProfile: {},
  AttachedVolume: {},
  AWSElasticBlockStoreVolumeSource: {},
  AzureDiskVolumeSource: {},
  AzureFileVolumeSource: {},
  Capabilities: { add: '[]', drop: '[]' },
  CephFSVolumeSource: { monitors: '~[]', secretRef: 'LocalObjectReference' },
  CinderVolumeSource: { secretRef: 'LocalObjectReference' },
  ClusterRole: { metadata: 'ObjectMeta!', rules: '~[PolicyRule]', aggregationRule: 'AggregationRule' },
  ClusterRoleBinding: { metadata: 'ObjectMeta!', subjects: '[Subject]', roleRef: 'RoleRef!' },
  ClientIPConfig: {},
  ClusterTrustBundleProjection: { labelSelector: 'LabelSelector' },
  Condition: {},
  ConfigMap: { metadata: 'ObjectMeta!', data: '{}', binaryData: '{}' },
  ConfigMapEnvSource: {},
  ConfigMapKeySelector: '@',
  ConfigMapNodeConfigSource: {},
  ConfigMapProjection: { items: '[KeyToPath]' },
  ConfigMapVolumeSource: { items: '[KeyToPath]' },
  Container: {
    command: '[]',
    args: '[]',
    ports: '[ContainerPort]map:containerPort,protocol|merge:containerPort',
    envFrom: '[EnvFromSource]',
    env: '[EnvVar]map:name|merge:name',
    resources: 'ResourceRequirements!',
    resizePolicy: '[ContainerResizePolicy]',
    volumeMounts: '[VolumeMount]map:mountPath|merge:mountPath',
    volumeDevices: '[VolumeDevice]map:devicePath|merge:devicePath',
    livenessProbe: 'Probe',
    readinessProbe: 'Probe',
    startupProbe: 'Probe',
    lifecycle: 'Lifecycle',
    securityContext: 'SecurityContext',
  },
  ContainerImage: { names: '~[]' },
  ContainerPort: {},
  ContainerResizePolicy: {},
  ContainerState: {
    waiting: 'ContainerStateWaiting',
    running: 'ContainerStateRunning',
    terminated: 'ContainerStateTerminated',
  },
  ContainerStateRunning: {},
  ContainerStateTerminated: {},
  ContainerStateWaiting: {},
  ContainerStatus: {
    state: 'ContainerState!',
    lastState: 'ContainerState!',
    allocatedResources: '{}',
    resources: 'ResourceRequirements',
    volumeMounts: '[VolumeMountStatus]map:mountPath|merge:mountPath',
    user: 'ContainerUser',
    allocatedResourcesStatus: '[ResourceStatus]map:name|merge:name',
  },
  ContainerUser: { linux: 'LinuxContainerUser' },
  CSIVolumeSource: { volumeAttributes: '{}', nodePublishSecretRef: 'LocalObjectReference' },
  DaemonEndpoint: {},
  DaemonSet: { metadata: 'ObjectMeta!', spec: 'DaemonSetSpec!', status: 'DaemonSetStatus!' },
  DaemonSetCondition: {},
  DaemonSetSpec: {
    selector: '~LabelSelector',
    template: 'PodTemplateSpec!',
    updateStrategy: 'DaemonSetUpdateStrategy!',
  },
  DaemonSetStatus: { conditions: '[DaemonSetCondition]map:type|merge:type' },
  DaemonSetUpdateStrategy: { rollingUpdate: 'RollingUpdateDaemonSet' },
  Deployment: { metadata: 'ObjectMeta!', spec: 'DeploymentSpec!', status: 'DeploymentStatus!' },
  DeploymentCondition: {},
  DeploymentSpec: {
    selector: '~LabelSelector',
    template: 'PodTemplateSpec!',
    strategy: 'DeploymentStrategy!',
  },
  DeploymentStatus: { conditions: '[DeploymentCondition]map:type|merge:type' },
  DeploymentStrategy: { rollingUpdate: 'RollingUpdateDeployment' },
  'discovery.EndpointPort': '@',
  DownwardAPIProjection: { items: '[DownwardAPIVolumeFile]' },
  DownwardAPIVolumeFile: { fieldRef: 'ObjectFieldSelector', resourceFieldRef: 'ResourceFieldSelector' },
  DownwardAPIVolumeSource: { items: '[DownwardAPIVolumeFile]' },
  EmptyDirVolumeSource: {},
  Endpoint: {
    addresses: '~[]set',
    conditions: 'EndpointConditions!',
    targetRef: 'ObjectReference',
    deprecatedTopology: '{}',
    hints: 'EndpointHints',
  },
  EndpointAddress: '@',
  EndpointConditions: {},
  EndpointHints: { forZones: '[ForZone]' },
  EndpointPort: '@',
  Endpoints: { metadata: 'ObjectMeta!', subsets: '[EndpointSubset]' },
  EndpointSlice: { metadata: 'ObjectMeta!', endpoints: '~[Endpoint]', ports: '~[discovery.EndpointPort]' },
  EndpointSubset: {
    addresses: '[EndpointAddress]',
    notReadyAddresses: '[EndpointAddress]',
    ports: '[EndpointPort]',
  },
  EnvFromSource: { configMapRef: 'ConfigMapEnvSource', secretRef: 'SecretEnvSource' },
  EnvVar: { valueFrom: 'EnvVarSource' },
  EnvVarSource: {
    fieldRef: 'ObjectFieldSelector',
    resourceFieldRef: 'ResourceFieldSelector',
    configMapKeyRef: 'ConfigMapKeySelector',
    secretKeyRef: 'SecretKeySelector',
  },
  EphemeralContainer: {
    command: '[]',
    args: '[]',
    ports: '[ContainerPort]map:containerPort,protocol|merge:containerPort',
    envFrom: '[EnvFromSource]',
    env: '[EnvVar]map:name|merge:name',
    resources: 'ResourceRequirements!',
    resizePolicy: '[ContainerResizePolicy]',
    volumeMounts: '[VolumeMount]map:mountPath|merge:mountPath',
    volumeDevices: '[VolumeDevice]map:devicePath|merge:devicePath',
    livenessProbe: 'Probe',
    readinessProbe: 'Probe',
    startupProbe: 'Probe',
    lifecycle: 'Lifecycle',
    securityContext: 'SecurityContext',
  },
  EphemeralVolumeSource: { volumeClaimTemplate: 'PersistentVolumeClaimTemplate' },
  Event: {
    metadata: 'ObjectMeta!',
    involvedObject: 'ObjectReference!',
    source: 'EventSource!',
    series: 'EventSeries',
    related: 'ObjectReference',
  },
  EventSeries: {},
  EventSource: {},
  ExecAction: { command: '[]' },
  FCVolumeSource: { targetWWNs: '[]', wwids: '[]' },
  FieldsV1: '@',
  FlexVolumeSource: { secretRef: 'LocalObjectReference', options: '{}' },
  FlockerVolumeSource: {},
  ForZone: {},
  GCEPersistentDiskVolumeSource: {},
  GitRepoVolumeSource: {},
  GlusterfsVolumeSource: {},
  GRPCAction: {},
  HostAlias: { hostnames: '[]' },
  HostIP: {},
  HostPathVolumeSource: {},
  HTTPGetAction: { httpHeaders: '[HTTPHeader]' },
  HTTPHeader: {},
  IPBlock: { except: '[]' },
  ImageVolumeSource: {},
  ISCSIVolumeSource: { portals: '[]', secretRef: 'LocalObjectReference' },
  KeyToPath: {},
  LabelSelector: '@',
  LabelSelectorRequirement: { values: '[]' },
  Lease: { metadata: 'ObjectMeta!', spec: 'LeaseSpec!' },
  LeaseSpec: {},
  Lifecycle: { postStart: 'LifecycleHandler', preStop: 'LifecycleHandler' },
  LifecycleHandler: {
    exec: 'ExecAction',
    httpGet: 'HTTPGetAction',
    tcpSocket: 'TCPSocketAction',
    sleep: 'SleepAction',
  },
  LinuxContainerUser: { supplementalGroups: '[]' },
  LoadBalancerIngress: { ports: '[PortStatus]' },
  LoadBalancerStatus: { ingress: '[LoadBalancerIngress]' },
  LocalObjectReference: '@',
  ManagedFieldsEntry: { fieldsV1: 'FieldsV1' },
  ModifyVolumeStatus: {},
  Namespace: { metadata: 'ObjectMeta!', spec: 'NamespaceSpec!', status: 'NamespaceStatus!' },
  NamespaceCondition: {},
  NamespaceSpec: { finalizers: '[]' },
  NamespaceStatus: { conditions: '[NamespaceCondition]map:type|merge:type' },
  NetworkPolicy: { metadata: 'ObjectMeta!', spec: 'NetworkPolicySpec!' },
  NetworkPolicyEgressRule: { ports: '[NetworkPolicyPort]', to: '[NetworkPolicyPeer]' },
  NetworkPolicyIngressRule: { ports: '[NetworkPolicyPort]', from: '[NetworkPolicyPeer]' },
  NetworkPolicyPeer: { podSelector: 'LabelSelector', namespaceSelector: 'LabelSelector', ipBlock: 'IPBlock' },
  NetworkPolicyPort: {},
  NetworkPolicySpec: {
    podSelector: 'LabelSelector!',
    ingress: '[NetworkPolicyIngressRule]',
    egress: '[NetworkPolicyEgressRule]',
    policyTypes: '[]',
  },
  NFSVolumeSource: {},
  Node: { metadata: 'ObjectMeta!', spec: 'NodeSpec!', status: 'NodeStatus!' },
  NodeAddress: {},
  NodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: 'NodeSelector',
    preferredDuringSchedulingIgnoredDuringExecution: '[PreferredSchedulingTerm]',
  },
  NodeCondition: {},
  NodeConfigSource: { configMap: 'ConfigMapNodeConfigSource' },
  NodeConfigStatus: {
    assigned: 'NodeConfigSource',
    active: 'NodeConfigSource',
    lastKnownGood: 'NodeConfigSource',
  },
  NodeDaemonEndpoints: { kubeletEndpoint: 'DaemonEndpoint!' },
  NodeFeatures: {},
  NodeRuntimeHandler: { features: 'NodeRuntimeHandlerFeatures' },
  NodeRuntimeHandlerFeatures: {},
  NodeSelector: '@',
  NodeSelectorRequirement: { values: '[]' },
  NodeSelectorTerm: '@',
  NodeSpec: { podCIDRs: '[]set|merge', taints: '[Taint]', configSource: 'NodeConfigSource' },
  NodeStatus: {
    capacity: '{}',
    allocatable: '{}',
    conditions: '[NodeCondition]map:type|merge:type',
    addresses: '[NodeAddress]map:type|merge:type',
    daemonEndpoints: 'NodeDaemonEndpoints!',
    nodeInfo: 'NodeSystemInfo!',
    images: '[ContainerImage]',
    volumesInUse: '[]',
    volumesAttached: '[AttachedVolume]',
    config: 'NodeConfigStatus',
    runtimeHandlers: '[NodeRuntimeHandler]',
    features: 'NodeFeatures',
  },
  NodeSystemInfo: {},
  ObjectFieldSelector: '@',
  ObjectMeta: {
    labels: '{}',
    annotations: '{}',
    ownerReferences: '[OwnerReference]map:uid|merge:uid',
    finalizers: '[]set|merge',
    managedFields: '[ManagedFieldsEntry]',
  },
  ObjectReference: '@',
  OwnerReference: '@',
  PersistentVolumeClaim: {
    metadata: 'ObjectMeta!',
    spec: 'PersistentVolumeClaimSpec!',
    status: 'PersistentVolumeClaimStatus!',
  },
  PersistentVolumeClaimCondition: {},
  PersistentVolumeClaimSpec: {
    accessModes: '[]',
    selector: 'LabelSelector',
    resources: 'VolumeResourceRequirements!',
    dataSource: 'TypedLocalObjectReference',
    dataSourceRef: 'TypedObjectReference',
  },
  PersistentVolumeClaimStatus: {
    accessModes: '[]',
    capacity: '{}',
    conditions: '[PersistentVolumeClaimCondition]map:type|merge:type',
    allocatedResources: '{}',
    allocatedResourceStatuses: '{}',
    modifyVolumeStatus: 'ModifyVolumeStatus',
  },
  PersistentVolumeClaimTemplate: { metadata: 'ObjectMeta!', spec: 'PersistentVolumeClaimSpec!' },
  PersistentVolumeClaimVolumeSource: {},
  PhotonPersistentDiskVolumeSource: {},
  Pod: { metadata: 'ObjectMeta!', spec: 'PodSpec!', status: 'PodStatus!' },
  PodAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: '[PodAffinityTerm]',
    preferredDuringSchedulingIgnoredDuringExecution: '[WeightedPodAffinityTerm]',
  },
  PodAffinityTerm: {
    labelSelector: 'LabelSelector',
    namespaces: '[]',
    namespaceSelector: 'LabelSelector',
    matchLabelKeys: '[]',
    mismatchLabelKeys: '[]',
  },
  PodAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: '[PodAffinityTerm]',
    preferredDuringSchedulingIgnoredDuringExecution: '[WeightedPodAffinityTerm]',
  },
  PodCondition: {},
  PodDisruptionBudget: {
    metadata: 'ObjectMeta!',
    spec: 'PodDisruptionBudgetSpec!',
    status: 'PodDisruptionBudgetStatus!',
  },
  PodDisruptionBudgetSpec: { selector: 'LabelSelector|replace' },
  PodDisruptionBudgetStatus: { disruptedPods: '{}', conditions: '[Condition]map:type|merge:type' },
  PodDNSConfig: { nameservers: '[]', searches: '[]', options: '[PodDNSConfigOption]' },
  PodDNSConfigOption: {},
  PodIP: {},
  PodOS: {},
  PodReadinessGate: {},
  PodResourceClaim: {},
  PodResourceClaimStatus: {},
  PodSchedulingGate: {},
  PodSecurityContext: {
    seLinuxOptions: 'SELinuxOptions',
    windowsOptions: 'WindowsSecurityContextOptions',
    supplementalGroups: '[]',
    sysctls: '[Sysctl]',
    seccompProfile: 'SeccompProfile',
    appArmorProfile: 'AppArmorProfile',
  },
  PodSpec: {
    volumes: '[Volume]map:name|merge:name',
    initContainers: '[Container]map:name|merge:name',
    containers: '~[Container]map:name|merge:name',
    ephemeralContainers: '[EphemeralContainer]map:name|merge:name',
    nodeSelector: '{}@',
    securityContext: 'PodSecurityContext',
    imagePullSecrets: '[LocalObjectReference]map:name|merge:name',
    affinity: 'Affinity',
    tolerations: '[Toleration]',
    hostAliases: '[HostAlias]map:ip|merge:ip',
    dnsConfig: 'PodDNSConfig',
    readinessGates: '[PodReadinessGate]',
    overhead: '{}',
    topologySpreadConstraints:
      '[TopologySpreadConstraint]map:topologyKey,whenUnsatisfiable|merge:topologyKey',
    os: 'PodOS',
    schedulingGates: '[PodSchedulingGate]map:name|merge:name',
    resourceClaims: '[PodResourceClaim]map:name|merge:name',
    resources: 'ResourceRequirements',
  },
  PodStatus: {
    conditions: '[PodCondition]map:type|merge:type',
    hostIPs: '[HostIP]|merge:ip',
    podIPs: '[PodIP]map:ip|merge:ip',
    initContainerStatuses: '[ContainerStatus]',
    containerStatuses: '[ContainerStatus]',
    ephemeralContainerStatuses: '[ContainerStatus]',
    resourceClaimStatuses: '[PodResourceClaimStatus]map:name|merge:name',
  },
  PodTemplate: { metadata: 'ObjectMeta!', template: 'PodTemplateSpec!' },
  PodTemplateSpec: { metadata: 'ObjectMeta!', spec: 'PodSpec!' },
  PolicyRule: { verbs: '~[]', apiGroups: '[]', resources: '[]', resourceNames: '[]', nonResourceURLs: '[]' },
  PortStatus: {},
  PortworxVolumeSource: {},
  PreferredSchedulingTerm: { preference: 'NodeSelectorTerm!' },
  Probe: { exec: 'ExecAction', httpGet: 'HTTPGetAction', tcpSocket: 'TCPSocketAction', grpc: 'GRPCAction' },
  ProjectedVolumeSource: { sources: '~[VolumeProjection]' },
  QuobyteVolumeSource: {},
  RBDVolumeSource: { monitors: '~[]', secretRef: 'LocalObjectReference' },
  ReplicaSet: { metadata: 'ObjectMeta!', spec: 'ReplicaSetSpec!', status: 'ReplicaSetStatus!' },
  ReplicaSetCondition: {},
  ReplicaSetSpec: { selector: '~LabelSelector', template: 'PodTemplateSpec!' },
  ReplicaSetStatus: { conditions: '[ReplicaSetCondition]map:type|merge:type' },
  ResourceClaim: {},
  ResourceFieldSelector: '@',
  ResourceHealth: {},
  ResourceRequirements: { limits: '{}', requests: '{}', claims: '[ResourceClaim]map:name' },
  ResourceStatus: { resources: '[ResourceHealth]map:resourceID' },
  Role: { metadata: 'ObjectMeta!', rules: '~[PolicyRule]' },
  RoleBinding: { metadata: 'ObjectMeta!', subjects: '[Subject]', roleRef: 'RoleRef!' },
  RoleRef: '@',
  RollingUpdateDaemonSet: {},
  RollingUpdateDeployment: {},
  RollingUpdateStatefulSetStrategy: {},
  ScaleIOVolumeSource: { secretRef: '~LocalObjectReference' },
  SeccompProfile: {},
  Secret: { metadata: 'ObjectMeta!', data: '{}', stringData: '{}' },
  SecretEnvSource: {},
  SecretKeySelector: '@',
  SecretProjection: { items: '[KeyToPath]' },
  SecretVolumeSource: { items: '[KeyToPath]' },
  SecurityContext: {
    capabilities: 'Capabilities',
    seLinuxOptions: 'SELinuxOptions',
    windowsOptions: 'WindowsSecurityContextOptions',
    seccompProfile: 'SeccompProfile',
    appArmorProfile: 'AppArmorProfile',
  },
  SELinuxOptions: {},
  Service: { metadata: 'ObjectMeta!', spec: 'ServiceSpec!', status: 'ServiceStatus!' },
  ServiceAccount: {
    metadata: 'ObjectMeta!',
    secrets: '[ObjectReference]map:name|merge:name',
    imagePullSecrets: '[LocalObjectReference]',
  },
  ServiceAccountTokenProjection: {},
  ServicePort: {},
  ServiceSpec: {
    ports: '[ServicePort]map:port,protocol|merge:port',
    selector: '{}@',
    clusterIPs: '[]',
    externalIPs: '[]',
    loadBalancerSourceRanges: '[]',
    sessionAffinityConfig: 'SessionAffinityConfig',
    ipFamilies: '[]',
  },
  ServiceStatus: { loadBalancer: 'LoadBalancerStatus!', conditions: '[Condition]map:type|merge:type' },
  SessionAffinityConfig: { clientIP: 'ClientIPConfig' },
  SleepAction: {},
  StatefulSet: { metadata: 'ObjectMeta!', spec: 'StatefulSetSpec!', status: 'StatefulSetStatus!' },
  StatefulSetCondition: {},
  StatefulSetOrdinals: {},
  StatefulSetPersistentVolumeClaimRetentionPolicy: {},
  StatefulSetSpec: {
    selector: '~LabelSelector',
    template: 'PodTemplateSpec!',
    volumeClaimTemplates: '[PersistentVolumeClaim]',
    updateStrategy: 'StatefulSetUpdateStrategy!',
    persistentVolumeClaimRetentionPolicy: 'StatefulSetPersistentVolumeClaimRetentionPolicy',
    ordinals: 'StatefulSetOrdinals',
  },
  StatefulSetStatus: { conditions: '[StatefulSetCondition]map:type|merge:type' },
  StatefulSetUpdateStrategy: { rollingUpdate: 'RollingUpdateStatefulSetStrategy' },
  StorageOSVolumeSource: { secretRef: 'LocalObjectReference' },
  Subject: {},
  Sysctl: {},
  Taint: {},
  TCPSocketAction: {},
  Toleration: {},
  TopologySpreadConstraint: { labelSelector: 'LabelSelector', matchLabelKeys: '[]' },
  TypedLocalObjectReference: '@',
  TypedObjectReference: {},
  Volume: {
    hostPath: 'HostPathVolumeSource',
    emptyDir: 'EmptyDirVolumeSource',
    gcePersistentDisk: 'GCEPersistentDiskVolumeSource',
    awsElasticBlockStore: 'AWSElasticBlockStoreVolumeSource',
    gitRepo: 'GitRepoVolumeSource',
    secret: 'SecretVolumeSource',
    nfs: 'NFSVolumeSource',
    iscsi: 'ISCSIVolumeSource',
    glusterfs: 'GlusterfsVolumeSource',
    persistentVolumeClaim: 'PersistentVolumeClaimVolumeSource',
    rbd: 'RBDVolumeSource',
    flexVolume: 'FlexVolumeSource',
    cinder: 'CinderVolumeSource',
    cephfs: 'CephFSVolumeSource',
    flocker: 'FlockerVolumeSource',
    downwardAPI: 'DownwardAPIVolumeSource',
    fc: 'FCVolumeSource',
    azureFile: 'AzureFileVolumeSource',
    configMap: 'ConfigMapVolumeSource',
    vsphereVolume: 'VsphereVirtualDiskVolumeSource',
    quobyte: 'QuobyteVolumeSource',
    azureDisk: 'AzureDiskVolumeSource',
    photonPersistentDisk: 'PhotonPersistentDiskVolumeSource',
    projected: 'ProjectedVolumeSource',
    portworxVolume: 'PortworxVolumeSource',
    scaleIO: 'ScaleIOVolumeSource',
    storageos: 'StorageOSVolumeSource',
    csi: 'CSIVolumeSource',
    ephemeral: 'EphemeralVolumeSource',
    image: 'ImageVolumeSource',
  },
  VolumeDevice: {},
  VolumeMount: {},
  VolumeMountStatus: {},
  VolumeProjection: {
    secret: 'SecretProjection',
    downwardAPI: 'DownwardAPIProjection',
    configMap: 'ConfigMapProjection',
    serviceAccountToken: 'ServiceAccountTokenProjection',
    clusterTrustBundle: 'ClusterTrustBundleProjection',
  },
  VolumeResourceRequirements: { limits: '{}', requests: '{}' },
  VsphereVirtualDiskVolumeSource: {},
  WeightedPodAffinityTerm: { podAffinityTerm: 'PodAffinityTerm!' },
  WindowsSecurityContextOptions: {},
};

/** Kind → struct name. */
const KINDS: Readonly<Record<string, string>> = {
  Pod: 'Pod',
  Deployment: 'Deployment',
  ReplicaSet: 'ReplicaSet',
  StatefulSet: 'StatefulSet',
  DaemonSet: 'DaemonSet',
  Service: 'Service',
  Endpoints: 'Endpoints',
  Node: 'Node',
  ConfigMap: 'ConfigMap',
  Secret: 'Secret',
  Namespace: 'Namespace',
  Event: 'Event',
  Lease: 'Lease',
  EndpointSlice: 'EndpointSlice',
  PodDisruptionBudget: 'PodDisruptionBudget',
  ServiceAccount: 'ServiceAccount',
  NetworkPolicy: 'NetworkPolicy',
  Role: 'Role',
  ClusterRole: 'ClusterRole',
  RoleBinding: 'RoleBinding',
  ClusterRoleBinding: 'ClusterRoleBinding',
  PodTemplate: 'PodTemplate',
};

const LIST_SPEC = /^\[([\w.]*)\](set|map:([\w,]+))?(\|merge(?::(\w+))?)?$/;
const MAP_SPEC = /^\{([\w.]*)\}(@)?$/;
const STRUCT_SPEC = /^([\w.]+)(!)?(\|replace)?(@)?$/;

/** OpenAPI defaults of list-map key fields (ports are keyed by port and protocol). */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ContainerPort: { protocol: 'TCP' },
  ServicePort: { protocol: 'TCP' },
};

const built = new Map<string, StructType>();

function elementType(name: string): TypeNode {
  return name === '' ? scalar : structType(name);
}

function parseField(spec: string, where: string): FieldDef {
  const nullable = spec.startsWith('~');
  const body = nullable ? spec.slice(1) : spec;
  let m = LIST_SPEC.exec(body);
  if (m) {
    const [, item, , keys, merge, mergeKey] = m;
    const listType: ListType['listType'] = m[2] === 'set' ? 'set' : keys ? 'map' : 'atomic';
    const type: ListType = {
      kind: 'list',
      items: elementType(item),
      listType,
      ...(keys ? { keys: keys.split(',') } : {}),
      ...(merge ? { patchMerge: true } : {}),
      ...(mergeKey ? { patchMergeKey: mergeKey } : {}),
    };
    return { type, ...(nullable ? { zero: 'null' as const } : {}) };
  }
  m = MAP_SPEC.exec(body);
  if (m) {
    return {
      type: { kind: 'map', values: elementType(m[1]), ...(m[2] ? { atomic: true } : {}) },
      ...(nullable ? { zero: 'null' as const } : {}),
    };
  }
  m = STRUCT_SPEC.exec(body);
  if (m) {
    const [, name, present, replace, atomic] = m;
    const target = structType(name);
    const type: TypeNode = atomic ? { ...target, atomic: true } : target;
    return {
      type,
      ...(replace ? { replace: true } : {}),
      ...(present ? { zero: 'object' as const } : nullable ? { zero: 'null' as const } : {}),
    };
  }
  throw new Error(`builtin-types: bad field spec ${JSON.stringify(spec)} at ${where}`);
}

/** Builds (once) the struct type called `name`; recursive references resolve to the same object. */
function structType(name: string): StructType {
  const existing = built.get(name);
  if (existing) return existing;
  const def = STRUCTS[name];
  if (def === undefined) throw new Error(`builtin-types: unknown struct ${name}`);
  const fields: Record<string, FieldDef> = {};
  const keyDefaults = KEY_DEFAULTS[name];
  const t: StructType = {
    kind: 'struct',
    fields,
    name,
    ...(def === '@' ? { atomic: true } : {}),
    ...(keyDefaults ? { keyDefaults } : {}),
  };
  built.set(name, t);
  if (def !== '@') for (const [k, spec] of Object.entries(def)) fields[k] = parseField(spec, `${name}.${k}`);
  return t;
}

setObjectMetaType(structType('ObjectMeta'));

/** The merge types of built-in kinds, by kind name ("Pod", "Deployment", ...). */
export const builtinPatchStrategies: Readonly<Record<string, StructType>> = Object.fromEntries(
  Object.entries(KINDS).map(([kind, name]) => [kind, structType(name)]),
);

/** The merge type of a built-in kind, or undefined when the sandbox does not describe it. */
export function builtinType(kind: string): StructType | undefined {
  return Object.hasOwn(builtinPatchStrategies, kind) ? builtinPatchStrategies[kind] : undefined;
}

/** Every struct in the table, for tests that check the table is well formed. */
export function builtinStructNames(): string[] {
  return Object.keys(STRUCTS);
}

export { structType as builtinStruct };

/**
 * What kube answers a strategic merge patch to a custom resource with: 415 Unsupported Media
 * Type (the CRD handler serves only JSON patch, merge patch and apply patch).
 */
export function strategicMergePatchNotSupported(): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: ' +
      'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  );
}
