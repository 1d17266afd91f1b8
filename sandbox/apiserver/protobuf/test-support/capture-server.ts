// A stand-in API server for tests that run the real kubectl: it answers discovery, serves fixed
// objects to GETs and records every request body, so a test can see exactly what kubectl sends.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

export interface CaptureServer {
  url: string;
  /** Every non-discovery request, in arrival order. */
  requests: CapturedRequest[];
  /** Objects served to GET, by URL path. */
  objects: Map<string, unknown>;
  /** The body answered to writes (POST, PUT): an object, or one made from the request. */
  setWriteResponse(response: unknown | ((req: CapturedRequest) => unknown)): void;
  close(): Promise<void>;
}

interface ResourceDef {
  name: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** For subresources served in another group version (pods/eviction is policy/v1 Eviction). */
  group?: string;
  version?: string;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const GROUPS: Record<string, ResourceDef[]> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
    { name: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'] },
    { name: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'] },
    { name: 'pods/binding', kind: 'Binding', namespaced: true },
    { name: 'pods/eviction', kind: 'Eviction', namespaced: true, group: 'policy', version: 'v1' },
    { name: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'] },
    { name: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] },
    { name: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'] },
    { name: 'deployments/scale', kind: 'Scale', namespaced: true, group: 'autoscaling', version: 'v1' },
    { name: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'] },
    { name: 'replicasets/scale', kind: 'Scale', namespaced: true, group: 'autoscaling', version: 'v1' },
  ],
  'policy/v1': [
    { name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'] },
  ],
  'coordination.k8s.io/v1': [{ name: 'leases', kind: 'Lease', namespaced: true }],
  'discovery.k8s.io/v1': [{ name: 'endpointslices', kind: 'EndpointSlice', namespaced: true }],
  'networking.k8s.io/v1': [
    { name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] },
  ],
  'rbac.authorization.k8s.io/v1': [
    { name: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
    { name: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
    { name: 'roles', kind: 'Role', namespaced: true },
  ],
};

function resourceList(groupVersion: string): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: GROUPS[groupVersion]!.map((r) => ({
      name: r.name,
      singularName: r.name.includes('/') ? '' : r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.name.includes('/') ? ['create', 'get', 'update', 'patch'] : VERBS,
      ...(r.group ? { group: r.group, version: r.version } : {}),
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    })),
  };
}

function groupList(): unknown {
  const groups = Object.keys(GROUPS)
    .filter((gv) => gv.includes('/'))
    .map((gv) => {
      const [name, version] = gv.split('/') as [string, string];
      const v = { groupVersion: gv, version };
      return { name, versions: [v], preferredVersion: v };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const objects = new Map<string, unknown>();
  let writeResponse: unknown | ((req: CapturedRequest) => unknown) = {};
  const respond = (req: CapturedRequest) =>
    typeof writeResponse === 'function' ? writeResponse(req) : writeResponse;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => send(res, 500, status(500, 'InternalError', e.message)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      // Plain JSON discovery: kubectl asks for the aggregated form first and falls back to this.
      if (path === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
      if (path === '/api')
        return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (path === '/apis') return send(res, 200, groupList());
      if (path === '/api/v1') return send(res, 200, resourceList('v1'));
      const gv = /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
      if (gv && GROUPS[gv]) return send(res, 200, resourceList(gv));
    }
    const captured = {
      method,
      path,
      contentType: req.headers['content-type'] ?? '',
      body: Buffer.concat(chunks),
    };
    requests.push(captured);
    if (method === 'GET' && objects.has(path)) return send(res, 200, objects.get(path));
    if (method === 'POST') return send(res, 201, respond(captured));
    if (method === 'PUT') return send(res, 200, respond(captured));
    if (method === 'DELETE')
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    return send(res, 404, status(404, 'NotFound', `the capture server has nothing at ${method} ${path}`));
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    objects,
    setWriteResponse(response) {
      writeResponse = response;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function status(code: number, reason: string, message: string): unknown {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
