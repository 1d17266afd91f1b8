export { SERVER_VERSION } from './discovery.ts';
export { ApiError, errors, type StatusBody } from './errors.ts';
export { type ApiServer, type ApiServerOptions, startApiServer } from './server.ts';
