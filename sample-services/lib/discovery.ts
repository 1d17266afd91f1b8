// Where a dependency lives. One resolution for every environment: explicit URLs (tests, overrides),
// the service links the kubelet injects (the sandbox has no cluster DNS), then cluster DNS.

import { ConfigError, envKey } from './config.ts';

/**
 * The base URL of a dependency: `<NAME>_URL` when set, else the kubelet's service link
 * `http://$<NAME>_SERVICE_HOST:$<NAME>_SERVICE_PORT`, else cluster DNS `http://<name>:8080`.
 */
export function downstreamUrl(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = envKey(name);
  const explicit = env[`${key}_URL`];
  if (explicit) {
    let url: URL;
    try {
      url = new URL(explicit);
    } catch {
      throw new ConfigError(`invalid configuration: ${key}_URL: not a URL: "${explicit}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(
        `invalid configuration: ${key}_URL: expected http or https, got "${url.protocol}"`,
      );
    }
    return url.href.replace(/\/+$/, '');
  }
  const host = env[`${key}_SERVICE_HOST`];
  const port = env[`${key}_SERVICE_PORT`];
  if (host && port) return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return `http://${name}:8080`;
}
