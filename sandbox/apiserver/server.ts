// The sandbox API server: kube-apiserver's HTTP API over the store, for real clients (kubectl,
// @kubernetes/client-node, the Python client, Prometheus) on 127.0.0.1.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { withConnectionReuse } from './connection-reuse.ts';
import { registerCrdHooks } from './crd.ts';
import {
  aggregatedDiscovery,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  negotiateDiscovery,
  SERVER_VERSION,
} from './discovery.ts';
import { ApiError, errors } from './errors.ts';
import { evictPod } from './eviction.ts';
import { openApiV3Doc, openApiV3Index } from './openapi.ts';
import {
  boolParam,
  decodeObject,
  decodePatch,
  intParam,
  parseAccept,
  parseResourcePath,
  patchTypeOf,
  type ResourceRequest,
  readBody,
} from './request.ts';
import { apiVersionOf, type ResourceDescriptor, ResourceRegistry } from './resources.ts';
import {
  type DeleteOptions,
  type FieldValidation,
  type ListOptions,
  Rest,
  typeOf,
  type WriteOptions,
  type WriteResult,
} from './rest.ts';
import { compileFieldSelector, compileLabelSelector } from './selectors-adapter.ts';
import { type ChangeEvent, objectKey, Store, type Stored } from './store.ts';
import { type IncludeObject, toTable } from './tables.ts';

export interface ApiServerOptions {
  host?: string;
  port?: number;
  /** Where objects are persisted; without it state lives in memory only. */
  dataDir?: string;
  logger?: Logger;
  /** How often watches that asked for bookmarks get one. */
  bookmarkIntervalMs?: number;
  historyPerType?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly store: Store;
  readonly registry: ResourceRegistry;
  kubeConfig(): KubeConfig;
  /** Text of a kubeconfig file for kubectl and other clients. */
  kubeconfigYaml(): string;
  /** Open watch connections, for tests and the status command. */
  watchCount(): number;
  close(): Promise<void>;
}

const MAX_WATCH_BACKLOG_BYTES = 8 * 1024 * 1024;
const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const log =
    opts.logger ?? pino({ level: process.env.HOMEOSTAT_LOG_LEVEL ?? 'warn', name: 'sandbox-apiserver' });
  const store = new Store({ dataDir: opts.dataDir, historyPerType: opts.historyPerType });
  const registry = new ResourceRegistry();
  const crdHooks = registerCrdHooks(registry, store);
  const rest = new Rest(store, crdHooks);
  // CRDs stored before a restart are served again.
  for (const s of store.list('apiextensions.k8s.io/customresourcedefinitions'))
    crdHooks.afterCrdWrite?.(s.obj);
  const writeOpts: WriteOptions = { dryRun: false, fieldValidation: 'Strict', fieldManager: 'sandbox' };
  for (const ns of BOOTSTRAP_NAMESPACES)
    if (!store.get('/namespaces', ns))
      rest.create(registry.get('', 'v1', 'namespaces')!, undefined, { metadata: { name: ns } }, writeOpts);

  const watches = new Set<() => void>();
  const bookmarkMs = opts.bookmarkIntervalMs ?? 60_000;
  const ctx: HandlerContext = { rest, registry, store, log, watches, bookmarkMs, serverAddress: '' };

  const server: Server = createServer((req, res) => {
    handle(ctx, req, res).catch((e) => sendError(ctx, res, e));
  });
  server.keepAliveTimeout = 65_000;
  // Watches are long-lived responses; only the request itself must arrive in time.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  ctx.serverAddress = `${host}:${port}`;
  log.info({ url }, 'sandbox API server listening');

  const kubeconfigYaml = () =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: homeostat-sandbox',
      '  cluster:',
      `    server: ${url}`,
      // Plain HTTP on loopback; @kubernetes/client-node insists on this flag for non-TLS servers.
      '    insecure-skip-tls-verify: true',
      'contexts:',
      '- name: homeostat-sandbox',
      '  context:',
      '    cluster: homeostat-sandbox',
      '    user: homeostat-sandbox',
      '    namespace: default',
      'current-context: homeostat-sandbox',
      'users:',
      '- name: homeostat-sandbox',
      '  user: {}',
      '',
    ].join('\n');

  return {
    url,
    host,
    port,
    store,
    registry,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml());
      return withConnectionReuse(kc);
    },
    kubeconfigYaml,
    watchCount: () => watches.size,
    async close() {
      for (const stop of [...watches]) stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.flush();
    },
  };
}

interface HandlerContext {
  rest: Rest;
  registry: ResourceRegistry;
  store: Store;
  log: Logger;
  watches: Set<() => void>;
  bookmarkMs: number;
  serverAddress: string;
}

function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
  warnings: string[] = [],
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

/** Bytes of items joined into one write: small enough to stay out of V8's large-object space. */
const LIST_CHUNK_CHARS = 64 * 1024;
/**
 * Bytes a list may have queued on its socket before it waits for the socket to drain: waiting at
 * every 64 KB chunk made a 20 MB list a ping-pong of 300 drains with the reader.
 */
const LIST_BUFFER_BYTES = 1024 * 1024;

/**
 * Streams a list in chunks, waiting for the socket to drain when a megabyte is queued: a list of ten
 * thousand pods is tens of megabytes, and building it whole (or queueing it all at once) keeps that
 * much garbage alive per concurrent list.
 */
async function sendList(
  res: ServerResponse,
  head: string,
  items: Stored[],
  encode: (s: Stored) => string,
): Promise<void> {
  if (items.length <= 100) {
    sendJson(res, 200, `${head}${items.map(encode).join(',')}]}`);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  let chunk = head;
  for (let i = 0; i < items.length; i++) {
    chunk += i === 0 ? encode(items[i]!) : `,${encode(items[i]!)}`;
    if (chunk.length < LIST_CHUNK_CHARS) continue;
    if (!res.write(chunk) && res.writableLength > LIST_BUFFER_BYTES) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
      if (res.destroyed) return;
    }
    chunk = '';
  }
  res.end(`${chunk}]}`);
}

function sendError(ctx: HandlerContext, res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
  if (!(e instanceof ApiError)) ctx.log.error({ err: e }, 'unexpected error handling a request');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus());
}

async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const segs = path.split('/').filter(Boolean);

  if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (path === '/api' || path === '/apis') {
    const neg = negotiateDiscovery(req.headers.accept);
    if (neg.aggregated)
      return sendJson(
        res,
        200,
        aggregatedDiscovery(ctx.registry, path === '/api', neg.apiVersion),
        neg.contentType,
      );
    return sendJson(res, 200, path === '/api' ? apiVersions(ctx.serverAddress) : apiGroupList(ctx.registry));
  }
  if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Index(ctx.registry));
  if (path.startsWith('/openapi/v3/')) {
    const gv = path.slice('/openapi/v3/'.length).split('/');
    const doc =
      gv[0] === 'api'
        ? openApiV3Doc(ctx.registry, '', gv[1] ?? '')
        : gv[0] === 'apis'
          ? openApiV3Doc(ctx.registry, gv[1] ?? '', gv[2] ?? '')
          : undefined;
    if (!doc) throw errors.notFoundPath(path);
    return sendJson(res, 200, doc);
  }
  if (segs[0] === 'api' && segs.length === 2) {
    if (!ctx.registry.groups().get('')?.includes(segs[1]!)) throw errors.notFoundPath(path);
    return sendJson(res, 200, apiResourceList(ctx.registry, '', segs[1]!));
  }
  if (segs[0] === 'apis' && segs.length === 2) {
    const doc = apiGroupDoc(ctx.registry, segs[1]!);
    if (!doc) throw errors.notFoundPath(path);
    return sendJson(res, 200, doc);
  }
  if (segs[0] === 'apis' && segs.length === 3) {
    if (!ctx.registry.groups().get(segs[1]!)?.includes(segs[2]!)) throw errors.notFoundPath(path);
    return sendJson(res, 200, apiResourceList(ctx.registry, segs[1]!, segs[2]!));
  }
  const r = parseResourcePath(path);
  if (!r) throw errors.notFoundPath(path);
  const desc = ctx.registry.get(r.group, r.version, r.plural);
  if (!desc) throw errors.notFoundPath(`${method} ${path}`);
  if (r.namespace !== undefined && !desc.namespaced) throw errors.notFoundPath(path);
  if (r.subresource && !desc.subresources.some((s) => s.name === r.subresource))
    throw errors.notFoundPath(path);
  return handleResource(ctx, req, res, url, method, r, desc);
}

function writeOptions(q: URLSearchParams, req: IncomingMessage): WriteOptions {
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun)
    if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const fv = q.get('fieldValidation') ?? 'Strict';
  if (!['Strict', 'Warn', 'Ignore'].includes(fv))
    throw errors.badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
    );
  const fieldManager = q.get('fieldManager') ?? (req.headers['user-agent'] ?? '').split('/')[0] ?? undefined;
  return {
    dryRun: dryRun.length > 0,
    fieldValidation: fv as FieldValidation,
    fieldManager: q.get('fieldManager') ?? (fieldManager || undefined),
    force: boolParam(q, 'force'),
  };
}

function listOptions(q: URLSearchParams, desc: ResourceDescriptor): ListOptions {
  const ls = q.get('labelSelector');
  const fs = q.get('fieldSelector');
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit < 0)
    throw errors.badRequest(`limit: Invalid value: ${limit}: must be non-negative`);
  return {
    labelMatch: ls ? compileLabelSelector(ls) : undefined,
    fieldMatch: fs ? compileFieldSelector(fs, desc) : undefined,
    limit,
    continueToken: q.get('continue') ?? undefined,
  };
}

/** Rewrites apiVersion when a custom resource is read at another served version than it was stored. */
function atVersion(desc: ResourceDescriptor, s: Stored): string {
  const want = apiVersionOf(desc);
  return s.view.apiVersion === want ? s.json : JSON.stringify({ ...s.obj, apiVersion: want });
}

/** A write's answer: the stored serialisation when there is one, with no second encoding. */
function sendWritten(res: ServerResponse, desc: ResourceDescriptor, result: WriteResult): void {
  const body = result.stored ? atVersion(desc, result.stored) : objAtVersion(desc, result.obj);
  sendJson(res, result.code, body, 'application/json', result.warnings);
}

function objAtVersion(desc: ResourceDescriptor, obj: any): any {
  const want = apiVersionOf(desc);
  return obj.apiVersion === want ? obj : { ...obj, apiVersion: want };
}

function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (!['None', 'Metadata', 'Object'].includes(v))
    throw errors.badRequest(`includeObject: Unsupported value: "${v}"`);
  return v as IncludeObject;
}

async function handleResource(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
  r: ResourceRequest,
  desc: ResourceDescriptor,
): Promise<void> {
  const q = url.searchParams;
  const { rest } = ctx;
  const accept = parseAccept(req.headers.accept);
  if (accept.protobufOnly)
    throw errors.notAcceptable(
      'only the following media types are accepted: application/json, application/yaml',
    );
  const ns = r.namespace;

  if (method === 'GET') {
    if (r.name === undefined) {
      if (r.legacyWatch || boolParam(q, 'watch')) return serveWatch(ctx, req, res, q, desc, ns, accept.table);
      const lo = listOptions(q, desc);
      const result = rest.list(desc, ns, lo);
      const listMeta: Record<string, unknown> = { resourceVersion: String(result.rv) };
      if (result.continueToken) listMeta.continue = result.continueToken;
      if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
      if (accept.table)
        return sendJson(
          res,
          200,
          toTable(
            desc,
            result.items.map((s) => objAtVersion(desc, s.obj)),
            listMeta,
            includeObjectParam(q),
          ),
        );
      const head = `{"kind":${JSON.stringify(desc.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(desc))},"metadata":${JSON.stringify(listMeta)},"items":[`;
      return sendList(res, head, result.items, (s) => atVersion(desc, s));
    }
    if (r.subresource === 'scale') return sendJson(res, 200, rest.getScale(desc, ns, r.name));
    if (r.subresource === 'log') return proxyLog(ctx, req, res, q, desc, ns, r.name);
    if (r.legacyWatch || boolParam(q, 'watch')) {
      q.set('fieldSelector', [q.get('fieldSelector'), `metadata.name=${r.name}`].filter(Boolean).join(','));
      return serveWatch(ctx, req, res, q, desc, ns, accept.table);
    }
    const s = rest.getStored(desc, ns, r.name);
    if (accept.table)
      return sendJson(
        res,
        200,
        toTable(
          desc,
          [objAtVersion(desc, s.obj)],
          { resourceVersion: s.obj.metadata.resourceVersion },
          includeObjectParam(q),
        ),
      );
    return sendJson(res, 200, atVersion(desc, s));
  }

  const wo = writeOptions(q, req);
  if (method === 'POST') {
    if (r.name !== undefined && r.subresource === 'binding') {
      const body = decodeObject(await readBody(req), req.headers['content-type']) as any;
      bindPod(ctx, desc, ns, r.name, body, wo);
      return sendJson(res, 201, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        code: 201,
      });
    }
    if (r.name !== undefined && r.subresource === 'eviction') {
      const body = decodeObject(await readBody(req), req.headers['content-type']) as any;
      evictPod(rest, desc, ns!, r.name, body, wo);
      return sendJson(res, 201, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        code: 201,
      });
    }
    if (r.name !== undefined) throw errors.methodNotAllowed(`POST is not supported on ${url.pathname}`);
    if (desc.namespaced && ns === undefined)
      throw errors.methodNotAllowed(
        `the server does not allow this method on the requested resource: create needs a namespace in the path`,
      );
    const body = decodeObject(await readBody(req), req.headers['content-type']);
    const result = rest.create(desc, ns, body, wo);
    return sendWritten(res, desc, result);
  }

  if (method === 'PUT') {
    if (r.name === undefined) throw errors.methodNotAllowed('PUT needs an object name');
    const body = decodeObject(await readBody(req), req.headers['content-type']);
    if (r.subresource === 'scale') {
      const result = rest.updateScale(desc, ns, r.name, body, wo);
      return sendJson(res, result.code, result.obj, 'application/json', result.warnings);
    }
    if (r.subresource && r.subresource !== 'status' && r.subresource !== 'finalize')
      throw errors.methodNotAllowed(`PUT is not supported on ${r.subresource}`);
    const result = rest.update(desc, ns, r.name, body, wo, r.subresource);
    return sendWritten(res, desc, result);
  }

  if (method === 'PATCH') {
    if (r.name === undefined) throw errors.methodNotAllowed('PATCH needs an object name');
    const type = patchTypeOf(req.headers['content-type']);
    const body = decodePatch(await readBody(req), type);
    if (r.subresource === 'scale') {
      const result = rest.patchScale(desc, ns, r.name, type, body, wo);
      return sendJson(res, result.code, result.obj, 'application/json', result.warnings);
    }
    if (r.subresource && r.subresource !== 'status')
      throw errors.methodNotAllowed(`PATCH is not supported on ${r.subresource}`);
    const result = rest.patch(desc, ns, r.name, type, body, wo, r.subresource);
    return sendWritten(res, desc, result);
  }

  if (method === 'DELETE') {
    const raw = await readBody(req);
    const body =
      raw.length && raw.toString().trim()
        ? (decodeObject(raw, req.headers['content-type'] ?? 'application/json') as any)
        : {};
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw errors.badRequest('the body of a DELETE must be a DeleteOptions object');
    if (
      body.preconditions !== undefined &&
      (body.preconditions === null || typeof body.preconditions !== 'object')
    )
      throw errors.badRequest('preconditions must be an object with uid and/or resourceVersion');
    const grace = intParam(q, 'gracePeriodSeconds');
    const policy = q.get('propagationPolicy');
    if (policy !== null && !['Foreground', 'Background', 'Orphan'].includes(policy))
      throw errors.badRequest(
        `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    if (
      body.propagationPolicy !== undefined &&
      !['Foreground', 'Background', 'Orphan'].includes(body.propagationPolicy)
    )
      throw errors.badRequest(
        `propagationPolicy: Unsupported value: "${body.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    const options: DeleteOptions = {
      gracePeriodSeconds: grace ?? body.gracePeriodSeconds,
      propagationPolicy: (policy ?? body.propagationPolicy) as DeleteOptions['propagationPolicy'],
      orphanDependents: q.has('orphanDependents') ? boolParam(q, 'orphanDependents') : body.orphanDependents,
      preconditions: body.preconditions,
    };
    if (body.dryRun?.includes?.('All')) wo.dryRun = true;
    if (r.name === undefined) {
      if (desc.plural === 'namespaces' && desc.group === '')
        throw errors.methodNotAllowed('deletecollection is not supported on namespaces');
      const items = rest.deleteCollection(desc, ns, listOptions(q, desc), options, wo);
      return sendJson(res, 200, {
        kind: desc.listKind,
        apiVersion: apiVersionOf(desc),
        metadata: { resourceVersion: String(ctx.store.currentRv()) },
        items: items.map((o) => objAtVersion(desc, o)),
      });
    }
    const result = rest.delete(desc, ns, r.name, options, wo);
    // Like kube-apiserver, most kinds answer an immediate deletion with a Status; pods and custom
    // resources return the object, and so does every deletion still in progress.
    if (result.code === 200 && !returnsDeletedObject(desc))
      return sendJson(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name: r.name,
          ...(desc.group ? { group: desc.group } : {}),
          kind: desc.plural,
          uid: result.obj.metadata?.uid,
        },
      });
    return sendJson(res, result.code, objAtVersion(desc, result.obj));
  }

  throw errors.methodNotAllowed(`method ${method} is not supported`);
}

function returnsDeletedObject(desc: ResourceDescriptor): boolean {
  return (
    Boolean(desc.custom) || (desc.group === '' && (desc.plural === 'pods' || desc.plural === 'namespaces'))
  );
}

function bindPod(
  ctx: HandlerContext,
  desc: ResourceDescriptor,
  ns: string | undefined,
  name: string,
  body: any,
  wo: WriteOptions,
): void {
  const target = body?.target;
  if (!target?.name)
    throw errors.invalid('Binding', '', name, [{ field: 'target.name', message: 'Required value' }]);
  const next = ctx.rest.getStored(desc, ns, name).obj;
  if (next.metadata.deletionTimestamp)
    throw errors.conflict('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
  if (next.spec?.nodeName)
    throw errors.conflict(
      'pods',
      '',
      name,
      `pod ${name} is already assigned to node "${next.spec.nodeName}"`,
    );
  next.spec.nodeName = target.name;
  const conds = (next.status.conditions ??= []).filter((c: any) => c.type !== 'PodScheduled');
  conds.push({
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: ctx.rest.now(),
  });
  next.status.conditions = conds;
  // Binding is the one write that may set spec.nodeName; it bypasses the pod update rules.
  const rv = ctx.store.nextRv();
  next.metadata.resourceVersion = String(rv);
  if (wo.dryRun) return;
  ctx.store.put(typeOf(desc), objectKey(ns, name), next, rv);
}

async function proxyLog(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  desc: ResourceDescriptor,
  ns: string | undefined,
  name: string,
): Promise<void> {
  const pod = ctx.rest.getStored(desc, ns, name).obj;
  const containers: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
  const container = q.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container)
    throw errors.badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
    );
  if (
    !containers.includes(container) &&
    !(pod.spec?.initContainers ?? []).some((c: any) => c.name === container)
  )
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  const nodeName = pod.spec?.nodeName;
  const node = nodeName ? ctx.store.get('/nodes', nodeName)?.obj : undefined;
  const port = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const address =
    (node?.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
  if (!port)
    throw errors.badRequest(`pod ${name} has no logs: it is not running on a node with a kubelet endpoint`);
  const params = new URLSearchParams();
  for (const k of [
    'follow',
    'previous',
    'timestamps',
    'tailLines',
    'sinceSeconds',
    'sinceTime',
    'limitBytes',
  ]) {
    const v = q.get(k);
    if (v !== null) params.set(k, v);
  }
  await new Promise<void>((resolve) => {
    const upstream = httpRequest(
      { host: address, port, path: `/containerLogs/${ns}/${name}/${container}?${params}`, method: 'GET' },
      (up) => {
        if ((up.statusCode ?? 500) >= 400) {
          let text = '';
          up.on('data', (c) => (text += c));
          up.on('end', () => {
            sendError(ctx, res, errors.badRequest(text.trim() || `the kubelet answered ${up.statusCode}`));
            resolve();
          });
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
        up.pipe(res);
        up.on('end', resolve);
        up.on('error', () => resolve());
      },
    );
    upstream.on('error', (e) => {
      sendError(ctx, res, errors.internal(`cannot reach the kubelet for pod logs: ${e.message}`));
      resolve();
    });
    req.on('close', () => upstream.destroy());
    upstream.end();
  });
}

// --- watch ------------------------------------------------------------------------------------

function serveWatch(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  desc: ResourceDescriptor,
  ns: string | undefined,
  asTable: boolean,
): void {
  const lo = listOptions(q, desc);
  const rvParam = q.get('resourceVersion');
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  const bookmarks = boolParam(q, 'allowWatchBookmarks');
  const sendInitialEvents = boolParam(q, 'sendInitialEvents');
  const type = typeOf(desc);
  const includeObject = asTable ? includeObjectParam(q) : 'Object';
  let sentColumns = false;

  const matches = (obj: any) =>
    (!desc.namespaced || !ns || obj.metadata?.namespace === ns) &&
    (!lo.labelMatch || lo.labelMatch(obj.metadata?.labels ?? {})) &&
    (!lo.fieldMatch || lo.fieldMatch(obj));

  let startRv: number | undefined;
  if (rvParam !== null && rvParam !== '' && rvParam !== '0') {
    startRv = Number(rvParam);
    if (!Number.isInteger(startRv) || startRv < 0)
      throw errors.badRequest(`invalid resource version: "${rvParam}"`);
  }
  let replay: ChangeEvent[] | undefined = [];
  if (startRv !== undefined) replay = ctx.store.changesSince(type, startRv);

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();

  // Events that arrive in one tick leave in one system call: a burst of writes (a deletecollection,
  // ten thousand pods created) would otherwise cost a socket write per event per watcher.
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  const write = (line: string) => {
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    res.write(`${line}\n`);
    // Like kube's cacher, a watcher that falls this far behind is closed instead of buffered without
    // bound; its client resumes from its last resourceVersion (or relists after a 410).
    if (res.writableLength > MAX_WATCH_BACKLOG_BYTES) stop();
  };
  const encodeObj = (s: Stored) => {
    if (!asTable) return atVersion(desc, s);
    const t = JSON.stringify(
      toTable(
        desc,
        [objAtVersion(desc, s.obj)],
        { resourceVersion: String(s.rv) },
        includeObject,
        !sentColumns,
      ),
    );
    sentColumns = true;
    return t;
  };
  const send = (evType: string, s: Stored) => write(`{"type":"${evType}","object":${encodeObj(s)}}`);

  if (replay === undefined) {
    const err = errors.gone(`too old resource version: ${startRv} (${ctx.store.currentRv()})`);
    write(JSON.stringify({ type: 'ERROR', object: err.toStatus() }));
    res.end();
    return;
  }

  let lastRv = startRv ?? ctx.store.currentRv();
  const onChange = (ev: ChangeEvent) => {
    if (ev.rv <= lastRv && startRv !== undefined && ev.rv <= startRv) return;
    const now = matches(ev.current.view);
    const before = ev.previous ? matches(ev.previous.view) : false;
    lastRv = Math.max(lastRv, ev.rv);
    if (ev.type === 'ADDED') {
      if (now) send('ADDED', ev.current);
    } else if (ev.type === 'DELETED') {
      if (before || now) send('DELETED', ev.current);
    } else if (now && before) send('MODIFIED', ev.current);
    else if (now && !before) send('ADDED', ev.current);
    else if (!now && before) send('DELETED', ev.current);
  };

  if (startRv === undefined) {
    // No resourceVersion: the current state as ADDED events, then changes.
    for (const s of ctx.store.list(type, desc.namespaced ? ns : undefined))
      if (matches(s.view)) send('ADDED', s);
    if (sendInitialEvents && bookmarks)
      write(
        JSON.stringify({
          type: 'BOOKMARK',
          object: {
            kind: desc.kind,
            apiVersion: apiVersionOf(desc),
            metadata: {
              resourceVersion: String(ctx.store.currentRv()),
              annotations: { 'k8s.io/initial-events-end': 'true' },
            },
          },
        }),
      );
  } else {
    for (const ev of replay) onChange(ev);
  }
  const unwatch = ctx.store.watch(type, { onChange });

  const timers: NodeJS.Timeout[] = [];
  // kube-apiserver ends watches without a timeout after a random 30-60 minutes so load spreads.
  const timeoutMs =
    (timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds : 1800 + Math.random() * 1800) *
    1000;
  timers.push(setTimeout(() => stop(), timeoutMs));
  if (bookmarks)
    timers.push(
      setInterval(() => {
        write(
          JSON.stringify({
            type: 'BOOKMARK',
            object: {
              kind: desc.kind,
              apiVersion: apiVersionOf(desc),
              metadata: { resourceVersion: String(Math.max(lastRv, ctx.store.currentRv())) },
            },
          }),
        );
      }, ctx.bookmarkMs),
    );
  let stopped = false;
  function stop() {
    if (stopped) return;
    stopped = true;
    unwatch();
    for (const t of timers) clearTimeout(t);
    ctx.watches.delete(stop);
    res.end();
  }
  ctx.watches.add(stop);
  req.on('close', stop);
  res.on('close', stop);
}
