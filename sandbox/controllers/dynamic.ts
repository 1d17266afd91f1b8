// A dynamic client for resources known only at run time (custom resources, and every built-in kind
// the garbage collector and namespace deleter sweep). It is client-node's KubernetesObjectApi — same
// HTTP stack, auth and middleware — addressed by resource (group, version, plural) instead of kind,
// returning raw JSON, with deletecollection, which KubernetesObjectApi lacks.

import {
  ApiException,
  type Configuration,
  HttpMethod,
  type KubernetesObject,
  KubernetesObjectApi,
  type RequestContext,
  type ResponseContext,
  type V1APIResourceList,
} from '@kubernetes/client-node';

/** One served resource, as discovery describes it. */
export interface ApiResource {
  group: string;
  version: string;
  /** "v1" or "apps/v1". */
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface RawList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: KubernetesObject[];
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

const RAW = '__raw__';

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function resourcePath(
  r: Pick<ApiResource, 'group' | 'version' | 'plural' | 'namespaced'>,
  namespace?: string,
  name?: string,
): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${root}${ns}/${r.plural}${tail}`;
}

export class DynamicClient extends KubernetesObjectApi {
  constructor(configuration: Configuration) {
    super(configuration);
  }

  /** Every top-level resource of every group, at the group's preferred version. */
  async discoverResources(): Promise<ApiResource[]> {
    const out: ApiResource[] = [];
    const core = await this.send<V1APIResourceList>(HttpMethod.GET, '/api/v1');
    out.push(...toResources('', 'v1', core));
    const groups = await this.send<{
      groups?: Array<{
        name: string;
        preferredVersion?: { version: string };
        versions?: Array<{ version: string }>;
      }>;
    }>(HttpMethod.GET, '/apis');
    const lists = await Promise.all(
      (groups.groups ?? []).map(async (g) => {
        const version = g.preferredVersion?.version ?? g.versions?.[0]?.version;
        if (!version) return [];
        const list = await this.send<V1APIResourceList>(HttpMethod.GET, `/apis/${g.name}/${version}`);
        return toResources(g.name, version, list);
      }),
    );
    for (const l of lists) out.push(...l);
    return out;
  }

  async listRaw(
    r: ApiResource,
    namespace?: string,
    opts: { labelSelector?: string; limit?: number; continue?: string } = {},
  ): Promise<RawList> {
    const query: Record<string, string> = {};
    if (opts.labelSelector) query.labelSelector = opts.labelSelector;
    if (opts.limit) query.limit = String(opts.limit);
    if (opts.continue) query.continue = opts.continue;
    const list = await this.send<RawList>(HttpMethod.GET, resourcePath(r, namespace), query);
    list.items ??= [];
    return list;
  }

  /** A whole collection by its path (e.g. /api/v1/pods), every namespace, as plain JSON. */
  listPath(path: string): Promise<RawList> {
    return this.send<RawList>(HttpMethod.GET, path);
  }

  getRaw(r: ApiResource, namespace: string | undefined, name: string): Promise<KubernetesObject> {
    return this.send(HttpMethod.GET, resourcePath(r, namespace, name));
  }

  /** A subresource of one object, e.g. "scale". */
  getSubresourceRaw(
    r: ApiResource,
    namespace: string | undefined,
    name: string,
    subresource: string,
  ): Promise<KubernetesObject> {
    return this.send(
      HttpMethod.GET,
      `${resourcePath(r, namespace, name)}/${encodeURIComponent(subresource)}`,
    );
  }

  /** Discovery's resource list of one group-version, subresources ("deployments/scale") included. */
  serverResources(group: string, version: string): Promise<V1APIResourceList> {
    return this.send(HttpMethod.GET, group ? `/apis/${group}/${version}` : `/api/${version}`);
  }

  deleteRaw(
    r: ApiResource,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<unknown> {
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...opts };
    return this.send(HttpMethod.DELETE, resourcePath(r, namespace, name), {}, body);
  }

  deleteCollectionRaw(r: ApiResource, namespace: string | undefined): Promise<unknown> {
    return this.send(
      HttpMethod.DELETE,
      resourcePath(r, namespace),
      {},
      { kind: 'DeleteOptions', apiVersion: 'v1' },
    );
  }

  mergePatchRaw(
    r: ApiResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
  ): Promise<KubernetesObject> {
    return this.send(
      HttpMethod.PATCH,
      resourcePath(r, namespace, name),
      {},
      patch,
      'application/merge-patch+json',
    );
  }

  /** A merge patch of a subresource (e.g. pods/status), answered as plain JSON. */
  mergePatchSubresourceRaw(
    r: Pick<ApiResource, 'group' | 'version' | 'plural' | 'namespaced'>,
    namespace: string | undefined,
    name: string,
    subresource: string,
    patch: unknown,
  ): Promise<KubernetesObject> {
    return this.send(
      HttpMethod.PATCH,
      `${resourcePath(r, namespace, name)}/${encodeURIComponent(subresource)}`,
      {},
      patch,
      'application/merge-patch+json',
    );
  }

  private async send<T>(
    method: HttpMethod,
    path: string,
    query: Record<string, string> = {},
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam('Accept', 'application/json');
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType);
      ctx.setBody(JSON.stringify(body));
    }
    return (await this.requestPromise(ctx, RAW)) as unknown as T;
  }

  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (type !== RAW) return super.processResponse(response, type);
    const text = await response.body.text();
    let data: any;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      data = text;
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return data as T;
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', data, response.headers);
  }
}

function toResources(group: string, version: string, list: V1APIResourceList): ApiResource[] {
  return (list.resources ?? [])
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      apiVersion: apiVersionOf(group, version),
      kind: r.kind,
      plural: r.name,
      namespaced: r.namespaced,
      verbs: r.verbs ?? [],
    }));
}
