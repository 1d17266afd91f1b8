export { type ApiServer, startApiServer } from './apiserver/index.ts';
export { DEFAULT_IMAGE_REGISTRY, type Sandbox, type SandboxOptions, startSandbox } from './sandbox.ts';
