// What an API call is, in the terms kube-apiserver's RequestInfo uses: a verb (get, list, watch,
// create, update, patch, delete, deletecollection) on a resource of an API group, maybe a subresource.
// Names and namespaces are left out on purpose: they would explode metric cardinality.

export interface RequestInfo {
  verb: string;
  /** "" for the core group. */
  group: string;
  /** Empty for non-resource paths such as /version or discovery. */
  resource: string;
  subresource: string;
}

// namespaces/{name}/status and namespaces/{name}/finalize address the namespace itself.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function describeRequest(method: string, url: URL | string): RequestInfo {
  const u = typeof url === 'string' ? new URL(url, 'http://localhost') : url;
  const m = method.toUpperCase();
  const parts = u.pathname.split('/').filter((p) => p !== '');
  let rest: string[];
  let group = '';
  if (parts[0] === 'api' && parts.length >= 2) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return { verb: m.toLowerCase(), group: '', resource: '', subresource: '' };
  if (rest.length === 0) return { verb: m.toLowerCase(), group, resource: '', subresource: '' };

  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!))
    rest = rest.slice(2);
  const resource = rest[0]!;
  const named = rest.length >= 2;
  const subresource = rest[2] ?? '';
  let verb: string;
  switch (m) {
    case 'GET':
    case 'HEAD':
      verb = named ? 'get' : u.searchParams.get('watch') === 'true' ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = named ? 'delete' : 'deletecollection';
      break;
    default:
      verb = m.toLowerCase();
  }
  return { verb, group, resource, subresource };
}

/** "deployments.apps/scale" style: resource, group when not core, subresource when present. */
export function resourceLabel(info: RequestInfo): string {
  const r = info.group ? `${info.resource}.${info.group}` : info.resource;
  return info.subresource ? `${r}/${info.subresource}` : r;
}
