export { type Sandbox, type SandboxOptions, startSandbox, DEFAULT_IMAGE_REGISTRY } from './sandbox.ts';
export { type ApiServer, startApiServer } from './apiserver/index.ts';
