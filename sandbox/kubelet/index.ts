// Public surface of the sandbox node side: the process kubelet, the virtual kubelet, and the
// pieces other sandbox components reuse (image registry parsing, http_sd construction).

export { endpointsTargetGroups, podTargetGroups, type TargetGroup } from './http-sd.ts';
export {
  type ImageDefinition,
  ImageRegistry,
  ImageRegistryError,
  parseImageRegistry,
} from './image-registry.ts';
export { errorText, type RunningInformer, startInformer } from './informer.ts';
export {
  DEFAULT_IMAGE_REGISTRY_FILE,
  DEFAULT_POD_CIDR,
  type Kubelet,
  type KubeletOptions,
  startKubelet,
} from './kubelet.ts';
export { KUBELET_VERSION } from './node-registration.ts';
export {
  DEFAULT_VIRTUAL_POD_CIDR,
  startVirtualKubelet,
  VIRTUAL_NODE_NAME,
  VIRTUAL_TAINT_KEY,
  type VirtualKubelet,
  type VirtualKubeletOptions,
} from './virtual-kubelet.ts';
export { KeyedQueue } from './work-queue.ts';
