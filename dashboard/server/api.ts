// The REST API: reads are open (or need the view token), every write needs the control token.
// Bodies are strict zod objects (unknown fields refused by name); errors map to HTTP in errors.ts.
import express, { type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { parseDecisionQuery } from '../../operator/decisions/index.ts';
import { type Access, type Authenticator, bearerToken } from './auth.ts';
import type { ClusterView } from './cluster-view.ts';
import type { ControlLog } from './control-log.ts';
import type { Actor, Controls } from './controls.ts';
import { NotFoundError, UnavailableError, validate } from './errors.ts';
import { type DecisionSource, readerOf, type Snapshot } from './snapshot.ts';

export interface ApiDeps {
  auth: Authenticator;
  view: ClusterView;
  controls: Controls;
  controlLog: ControlLog;
  decisions: DecisionSource | undefined;
  snapshot: () => Promise<Snapshot>;
  feedInfo: () => { epoch: string; lastSeq: number; clients: number };
}

const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain name');
const by = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w .@+-]+$/, 'may hold letters, digits, spaces and . @ + - _ only');
const reason = z.string().trim().min(1).max(512);

const HaltBody = z.strictObject({ reason, by: by.optional() });
const ResumeBody = z.strictObject({ reason: reason.optional(), by: by.optional() });
const PauseBody = z.strictObject({ reason, by: by.optional() });
const AbortBody = z.strictObject({ reason, by: by.optional() });
const StartBody = z.strictObject({
  namespace: name,
  manifest: z.looseObject({ metadata: z.looseObject({}).optional(), spec: z.looseObject({}) }),
  reason: reason.optional(),
  by: by.optional(),
});
const RerunBody = z.strictObject({ reason: reason.optional(), by: by.optional() });
const Params = z.strictObject({ namespace: name, name });
const IdParams = z.strictObject({ id: z.string().min(1).max(64) });

type Handler = (req: Request, access: Access) => Promise<unknown> | unknown;

export function apiRouter(deps: ApiDeps): Router {
  const r = express.Router();
  const body = express.json({ limit: '64kb', strict: true });

  const read =
    (fn: Handler): RequestHandler =>
    async (req, res) => {
      const access = deps.auth.require(bearerToken(req), 'view');
      res.json(await fn(req, access));
    };
  // Control: the token is checked before the body is even parsed.
  const control = (fn: (req: Request, actor: Omit<Actor, 'by'>) => Promise<unknown>): RequestHandler[] => [
    (req, _res, next) => {
      deps.auth.require(bearerToken(req), 'control');
      next();
    },
    body,
    async (req, res) => {
      res.json(
        await fn(req, { ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}) }),
      );
    },
  ];
  const actor = (given: string | undefined, base: Omit<Actor, 'by'>): Actor => ({
    ...base,
    by: `${given ?? 'anonymous'} (dashboard)`,
  });
  const params = (req: Request) => validate(Params, req.params, 'path');

  r.get(
    '/info',
    read((_req, access) => ({ ...deps.feedInfo(), access, halt: deps.view.haltState() })),
  );
  r.get(
    '/snapshot',
    read(() => deps.snapshot()),
  );
  r.get(
    '/fleet',
    read(() => deps.view.fleet()),
  );
  r.get(
    '/samples',
    read(() => deps.view.samples()),
  );
  r.get(
    '/controls',
    read(() => deps.controlLog.recent(500)),
  );

  r.get(
    '/policies',
    read(() => deps.view.listPolicies()),
  );
  r.get(
    '/policies/:namespace/:name',
    read((req) => {
      const p = params(req);
      const v = deps.view.getPolicy(p.namespace, p.name);
      if (!v) throw new NotFoundError(`policy ${p.namespace}/${p.name} not found`);
      return v;
    }),
  );
  r.post(
    '/policies/:namespace/:name/pause',
    ...control((req, a) => {
      const p = params(req);
      const b = validate(PauseBody, req.body, 'pause request');
      return deps.controls.pausePolicy(actor(b.by, a), p.namespace, p.name, b.reason);
    }),
  );
  r.post(
    '/policies/:namespace/:name/resume',
    ...control((req, a) => {
      const p = params(req);
      const b = validate(ResumeBody, req.body ?? {}, 'resume request');
      return deps.controls.resumePolicy(actor(b.by, a), p.namespace, p.name, b.reason);
    }),
  );

  r.get(
    '/experiments',
    read(() => deps.view.listExperiments()),
  );
  r.get(
    '/experiments/:namespace/:name',
    read((req) => {
      const p = params(req);
      const v = deps.view.getExperiment(p.namespace, p.name);
      if (!v) throw new NotFoundError(`experiment ${p.namespace}/${p.name} not found`);
      return v;
    }),
  );
  r.post(
    '/experiments',
    ...control((req, a) => {
      const b = validate(StartBody, req.body, 'experiment');
      return deps.controls.startExperiment(actor(b.by, a), b.namespace, b.manifest, b.reason);
    }),
  );
  r.post(
    '/experiments/:namespace/:name/rerun',
    ...control((req, a) => {
      const p = params(req);
      const b = validate(RerunBody, req.body ?? {}, 'rerun request');
      return deps.controls.rerunExperiment(actor(b.by, a), p.namespace, p.name, b.reason);
    }),
  );
  r.post(
    '/experiments/:namespace/:name/abort',
    ...control((req, a) => {
      const p = params(req);
      const b = validate(AbortBody, req.body, 'abort request');
      return deps.controls.abortExperiment(actor(b.by, a), p.namespace, p.name, b.reason);
    }),
  );

  r.get(
    '/decisions',
    read(async (req) => {
      const query = parseDecisionQuery({ ...(req.query as Record<string, unknown>) });
      const log = readerOf(deps.decisions);
      if (!log)
        throw new UnavailableError(
          'the decision log is not open here (this operator replica is not leading)',
        );
      return log.query(query);
    }),
  );
  r.get(
    '/decisions/:id',
    read(async (req) => {
      const { id } = validate(IdParams, req.params, 'path');
      const log = readerOf(deps.decisions);
      if (!log)
        throw new UnavailableError(
          'the decision log is not open here (this operator replica is not leading)',
        );
      const d = (await log.get(id)) ?? (await log.getControl?.(id));
      if (!d) throw new NotFoundError(`decision ${id} not found`);
      return d;
    }),
  );

  r.get(
    '/halt',
    read(() => deps.view.haltState()),
  );
  r.post(
    '/halt',
    ...control((req, a) => {
      const b = validate(HaltBody, req.body, 'halt request');
      return deps.controls.halt(actor(b.by, a), b.reason);
    }),
  );
  r.post(
    '/resume',
    ...control((req, a) => {
      const b = validate(ResumeBody, req.body ?? {}, 'resume request');
      return deps.controls.resume(actor(b.by, a), b.reason);
    }),
  );

  r.use((req) => {
    throw new NotFoundError(`no API endpoint ${req.method} ${req.baseUrl}${req.path}`);
  });
  return r;
}
