// A cached view of the API's resources (built-in and custom), refreshed on demand.

import { type ApiResource, type DynamicClient, parseApiVersion } from './dynamic.ts';

export class ResourceDiscovery {
  private cache: { at: number; resources: ApiResource[] } | undefined;
  private inflight: Promise<ApiResource[]> | undefined;

  constructor(
    private readonly client: DynamicClient,
    private readonly maxAgeMs = 10_000,
  ) {}

  /** The resources, from a cache no older than maxAgeMs (or fresh when forced). */
  async resources(force = false): Promise<ApiResource[]> {
    if (!force && this.cache && Date.now() - this.cache.at < this.maxAgeMs) return this.cache.resources;
    this.inflight ??= this.client
      .discoverResources()
      .then((resources) => {
        this.cache = { at: Date.now(), resources };
        return resources;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** The resource serving a kind of an apiVersion; another served version of the same group will do. */
  async resolve(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const find = (rs: ApiResource[]) => {
      const { group } = parseApiVersion(apiVersion);
      return (
        rs.find((r) => r.apiVersion === apiVersion && r.kind === kind) ??
        rs.find((r) => r.group === group && r.kind === kind)
      );
    };
    const hit = find(await this.resources());
    return hit ?? find(await this.resources(true));
  }
}

export function resourceId(r: Pick<ApiResource, 'group' | 'version' | 'plural'>): string {
  return `${r.group}/${r.version}/${r.plural}`;
}
