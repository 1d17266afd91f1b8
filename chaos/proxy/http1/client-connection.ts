// The proxy's fast path: one client connection, read and written as bytes. A request's head is
// parsed, rewritten and sent upstream with its body passed through untouched; the answer's head is
// rewritten and its body passed back the same way. Nothing is decoded or re-encoded, so a request
// costs a few parses and writes instead of node's request/response objects on both sides (the
// bench shows the difference). Faults are applied here exactly as on node's path: a delay holds the
// request before it goes upstream, an abort answers in the proxy's name.
//
// One exchange at a time per connection: pipelined requests wait in the buffer. A connection whose
// next head the fast path does not take is handed, at that request boundary, to node's HTTP server.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { InFlight } from '../drain.ts';
import { type Plan, planRequest } from '../fault-plan.ts';
import type { FaultTable } from '../fault-table.ts';
import { type ErrorReason, methodLabel, type ProxyMetrics } from '../metrics.ts';
import type { Random } from '../random.ts';
import { BodyFramer, type FramingError } from './body-framer.ts';
import { parseRequestHead, type RequestHead, upstreamHead } from './request-head.ts';
import { clientHead, parseResponseHead, type ResponseHead } from './response-head.ts';
import type { UpstreamPool } from './upstream-pool.ts';

export interface FastPathContext {
  faults: FaultTable;
  metrics: ProxyMetrics;
  random: Random;
  pool: UpstreamPool;
  inFlight: InFlight;
  upstreamTimeoutMs: number;
  /** Idle time after which a kept-alive client connection is closed. */
  keepAliveTimeoutMs: number;
  draining(): boolean;
  /** Node's HTTP server takes the socket; `buffered` are bytes already read from it. */
  handOff(connection: ClientConnection, socket: Socket, buffered: Buffer | undefined): void;
}

/** nginx's convention for "the client closed the connection before the answer". */
const CLIENT_CLOSED = 499;
/** Client bytes held while an exchange cannot take them (delay, pipelining) before reading pauses. */
const MAX_HELD = 64 * 1024;

interface Exchange {
  head: RequestHead;
  method: string;
  started: number;
  plan: Plan;
  /** The request body's framer; undefined when there is none. */
  body?: BodyFramer;
  /** Body bytes go upstream (or, for an injected abort, nowhere) now. */
  bodyFlowing: boolean;
  discardBody: boolean;
  delayTimer?: NodeJS.Timeout;
  upstream?: Socket;
  reused: boolean;
  retried: boolean;
  upstreamHead?: string;
  responseBuf?: Buffer;
  response?: ResponseHead;
  responseBody?: BodyFramer;
  responseStarted: boolean;
  /** Written the whole answer (the client's side of the exchange is over). */
  answered: boolean;
  closeAfter: boolean;
  failure?: ErrorReason;
  upstreamCode?: string;
  timedOut: boolean;
  recorded: boolean;
}

export class ClientConnection {
  private buf: Buffer | undefined;
  private ex: Exchange | undefined;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: FastPathContext,
  ) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('drain', this.onClientDrain);
    socket.setTimeout(ctx.keepAliveTimeoutMs, this.onIdle);
  }

  /** Between exchanges with nothing buffered: safe to close while draining. */
  get idle(): boolean {
    return this.ex === undefined && this.buf === undefined;
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer) => {
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.process();
  };

  private readonly onError = () => {
    // 'close' follows and ends whatever exchange was running
  };

  private readonly onIdle = () => {
    if (this.ex === undefined) this.socket.destroy();
  };

  private readonly onClientDrain = () => {
    this.ex?.upstream?.resume();
  };

  private readonly onClose = () => {
    this.closed = true;
    const ex = this.ex;
    if (!ex) return;
    this.ex = undefined;
    clearTimeout(ex.delayTimer);
    if (!ex.answered) ex.failure ??= 'client_aborted';
    // The client left mid-exchange: the upstream's work is cancelled with its connection.
    if (ex.upstream) this.releaseUpstream(ex, false);
    this.record(ex, ex.responseStarted ? ex.response!.status : CLIENT_CLOSED);
  };

  /** Takes what the buffer holds: the current request's body, or the next request's head. */
  private process(): void {
    while (this.buf !== undefined && !this.closed) {
      const ex = this.ex;
      if (ex) {
        if (!ex.body || ex.body.done || !ex.bodyFlowing) {
          if (this.buf.length > MAX_HELD) this.socket.pause();
          return;
        }
        let n: number;
        try {
          n = ex.body.consume(this.buf);
        } catch (err) {
          this.badRequestBody(ex, err as FramingError);
          return;
        }
        const slice = n === this.buf.length ? this.buf : this.buf.subarray(0, n);
        this.buf = n === this.buf.length ? undefined : this.buf.subarray(n);
        if (!ex.discardBody && ex.upstream && !ex.upstream.write(slice)) this.socket.pause();
        if (ex.body.done) this.requestSent(ex);
        continue;
      }
      const parsed = parseRequestHead(this.buf);
      if ('incomplete' in parsed) return;
      if ('fallback' in parsed) {
        this.handOff();
        return;
      }
      const { head } = parsed;
      this.buf = head.length === this.buf.length ? undefined : this.buf.subarray(head.length);
      this.start(head);
    }
  }

  private start(head: RequestHead): void {
    const { ctx } = this;
    ctx.inFlight.enter();
    const plan = planRequest(ctx.faults.active(), head.method, head.path, ctx.random);
    for (const a of plan.applied) ctx.metrics.injected.inc({ fault_id: a.id, type: a.type });
    const ex: Exchange = {
      head,
      method: methodLabel(head.method),
      started: performance.now(),
      plan,
      body: head.framing.kind === 'none' ? undefined : new BodyFramer(head.framing),
      bodyFlowing: false,
      discardBody: false,
      reused: false,
      retried: false,
      responseStarted: false,
      answered: false,
      closeAfter: !head.keepAlive,
      timedOut: false,
      recorded: false,
    };
    this.ex = ex;
    if (plan.delayMs > 0) {
      // Body bytes wait in the buffer (reading pauses past MAX_HELD) until the delay is over.
      ex.delayTimer = setTimeout(() => this.proceed(ex), plan.delayMs);
    } else this.proceed(ex);
  }

  private proceed(ex: Exchange): void {
    if (this.ex !== ex) return;
    if (ex.plan.abort) {
      ex.failure = 'injected_abort';
      const { status, faultId } = ex.plan.abort;
      // The request body, if any, is read and dropped so the connection can carry the next request.
      ex.discardBody = true;
      this.answerWithJson(ex, status, { error: 'injected_fault', faultId }, `x-chaos-fault: ${faultId}\r\n`);
      return;
    }
    this.connectUpstream(ex, false);
  }

  private connectUpstream(ex: Exchange, fresh: boolean): void {
    this.ctx.pool.acquire((err, upstream, reused) => {
      if (this.ex !== ex) {
        if (upstream) this.ctx.pool.release(upstream);
        return;
      }
      if (err || !upstream) {
        const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
        this.upstreamFailed(ex, code, code === 'ETIMEDOUT');
        return;
      }
      this.attach(ex, upstream, reused);
    }, fresh);
  }

  private attach(ex: Exchange, upstream: Socket, reused: boolean): void {
    ex.upstream = upstream;
    ex.reused = reused;
    upstream.on('data', this.onUpstreamData);
    upstream.on('close', this.onUpstreamClose);
    upstream.on('error', this.onUpstreamError);
    upstream.on('drain', this.onUpstreamDrain);
    upstream.on('timeout', this.onUpstreamTimeout);
    upstream.setTimeout(this.ctx.upstreamTimeoutMs);
    upstream.resume();
    ex.upstreamHead ??= upstreamHead(ex.head, this.socket.remoteAddress);
    upstream.cork();
    upstream.write(ex.upstreamHead, 'latin1');
    ex.bodyFlowing = true;
    if (!ex.body) this.requestSent(ex);
    else {
      this.process();
      this.socket.resume();
    }
    upstream.uncork();
  }

  private requestSent(ex: Exchange): void {
    ex.bodyFlowing = false;
    // An abort answered before its body was read completes once the body is dropped.
    if (ex.answered) this.endExchange(ex);
  }

  private readonly onUpstreamDrain = () => {
    this.socket.resume();
  };

  private readonly onUpstreamError = (err: NodeJS.ErrnoException) => {
    const ex = this.ex;
    if (ex) ex.upstreamCode ??= err.code ?? 'EUNKNOWN';
  };

  private readonly onUpstreamTimeout = () => {
    const ex = this.ex;
    if (!ex?.upstream) return;
    ex.timedOut = true;
    ex.upstreamCode = 'ETIMEDOUT';
    ex.upstream.destroy();
  };

  private readonly onUpstreamData = (chunk: Buffer) => {
    const ex = this.ex;
    if (!ex?.upstream) return;
    if (!ex.response) {
      let first: Buffer;
      let pending: Buffer = ex.responseBuf ? Buffer.concat([ex.responseBuf, chunk]) : chunk;
      for (;;) {
        const parsed = parseResponseHead(pending, ex.head.method);
        if ('incomplete' in parsed) {
          ex.responseBuf = pending;
          return;
        }
        if ('error' in parsed) {
          ex.upstreamCode = 'EPROTO';
          this.releaseUpstream(ex, false);
          this.upstreamFailed(ex, 'EPROTO', false);
          return;
        }
        const rest = pending.length === parsed.head.length ? undefined : pending.subarray(parsed.head.length);
        if (parsed.head.status < 200) {
          // Informational answers (103 Early Hints, a stray 100) stay on this hop, as on node's path.
          ex.responseBuf = undefined;
          if (!rest) return;
          pending = rest;
          continue;
        }
        ex.response = parsed.head;
        ex.responseBuf = undefined;
        first = rest ?? EMPTY;
        break;
      }
      const response = ex.response;
      if (response.framing.kind !== 'none') ex.responseBody = new BodyFramer(response.framing);
      if (this.ctx.draining() || response.framing.kind === 'close' || (ex.body && !ex.body.done))
        ex.closeAfter = true;
      ex.responseStarted = true;
      this.socket.cork();
      this.socket.write(clientHead(response, ex.closeAfter), 'latin1');
      this.responseBytes(ex, first);
      this.socket.uncork();
      return;
    }
    this.responseBytes(ex, chunk);
  };

  private responseBytes(ex: Exchange, chunk: Buffer): void {
    const framer = ex.responseBody;
    if (framer && chunk.length > 0) {
      let n: number;
      try {
        n = framer.consume(chunk);
      } catch {
        // A broken body from the upstream: cut the client's answer short rather than pass garbage.
        ex.failure ??= 'upstream_unreachable';
        this.ctx.metrics.upstreamErrors.inc({ code: 'EPROTO' });
        this.socket.destroy();
        return;
      }
      if (n > 0 && !this.socket.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
        ex.upstream?.pause();
      // Bytes past the answer's end: the upstream cannot be trusted with another exchange.
      if (n < chunk.length) ex.response!.reusable = false;
    } else if (!framer && chunk.length > 0) ex.response!.reusable = false;
    if (!framer || framer.done) this.responseDone(ex);
  }

  private responseDone(ex: Exchange): void {
    ex.answered = true;
    this.record(ex, ex.response!.status);
    const reusable = ex.response!.reusable && (!ex.body || ex.body.done);
    this.releaseUpstream(ex, reusable);
    this.endExchange(ex);
  }

  private readonly onUpstreamClose = () => {
    const ex = this.ex;
    if (!ex?.upstream) return;
    if (ex.response?.framing.kind === 'close' && !ex.answered) {
      // The body of an answer without a length ends with the upstream's connection.
      this.releaseUpstream(ex, false);
      this.responseDone(ex);
      return;
    }
    const upstream = ex.upstream;
    this.detach(upstream);
    ex.upstream = undefined;
    this.ctx.pool.discard(upstream);
    if (ex.responseStarted) {
      // The upstream went away mid-answer: a truncated answer beats a hung one.
      ex.failure ??= 'upstream_unreachable';
      this.ctx.metrics.upstreamErrors.inc({ code: ex.upstreamCode ?? 'ECONNRESET' });
      this.socket.destroy();
      return;
    }
    // A kept-alive socket the upstream closed just as the request went out: nothing was processed
    // (no answer began), so an idempotent request without a body is sent again, once, on a new
    // connection.
    if (ex.reused && !ex.retried && !ex.timedOut && !ex.body && IDEMPOTENT.has(ex.head.method)) {
      ex.retried = true;
      ex.responseBuf = undefined;
      ex.upstreamCode = undefined;
      this.connectUpstream(ex, true);
      return;
    }
    this.upstreamFailed(ex, ex.upstreamCode ?? 'ECONNRESET', ex.timedOut);
  };

  private upstreamFailed(ex: Exchange, code: string, timeout: boolean): void {
    this.ctx.metrics.upstreamErrors.inc({ code });
    ex.failure ??= timeout ? 'upstream_timeout' : 'upstream_unreachable';
    if (ex.body && !ex.body.done) {
      // What is left of the request body has nowhere to go: drop it, then close.
      ex.discardBody = true;
      ex.closeAfter = true;
    }
    this.answerWithJson(
      ex,
      timeout ? 504 : 502,
      timeout ? { error: 'upstream_timeout', code: 'ETIMEDOUT' } : { error: 'bad_gateway', code },
      '',
    );
  }

  private answerWithJson(ex: Exchange, status: number, body: unknown, extraHeaders: string): void {
    const text = JSON.stringify(body);
    if (this.ctx.draining()) ex.closeAfter = true;
    ex.responseStarted = true;
    ex.response = {
      status,
      reason: '',
      framing: { kind: 'none' },
      reusable: false,
      length: 0,
      headers: [],
    };
    this.socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${extraHeaders}${ex.closeAfter ? 'connection: close\r\n' : ''}\r\n${text}`,
    );
    ex.answered = true;
    this.record(ex, status);
    if (!ex.body || ex.body.done) this.endExchange(ex);
    else {
      ex.bodyFlowing = true;
      this.process();
      this.socket.resume();
    }
  }

  private badRequestBody(ex: Exchange, err: FramingError): void {
    ex.failure ??= 'upstream_unreachable';
    if (ex.upstream) this.releaseUpstream(ex, false);
    if (!ex.responseStarted) {
      const text = JSON.stringify({ error: 'bad_request', message: err.message });
      this.socket.write(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
      this.record(ex, 400);
    } else this.record(ex, ex.response!.status);
    this.ex = undefined;
    this.buf = undefined;
    this.socket.end();
    this.socket.destroySoon();
  }

  private endExchange(ex: Exchange): void {
    if (this.ex !== ex) return;
    this.ex = undefined;
    if (ex.closeAfter || this.ctx.draining()) {
      this.buf = undefined;
      this.socket.end();
      return;
    }
    this.socket.resume();
    if (this.buf) this.process();
  }

  private releaseUpstream(ex: Exchange, reusable: boolean): void {
    const upstream = ex.upstream;
    if (!upstream) return;
    ex.upstream = undefined;
    this.detach(upstream);
    if (reusable) this.ctx.pool.release(upstream, ex.response?.keepAliveMs);
    else this.ctx.pool.discard(upstream);
  }

  private detach(upstream: Socket): void {
    upstream.removeListener('data', this.onUpstreamData);
    upstream.removeListener('close', this.onUpstreamClose);
    upstream.removeListener('error', this.onUpstreamError);
    upstream.removeListener('drain', this.onUpstreamDrain);
    upstream.removeListener('timeout', this.onUpstreamTimeout);
    upstream.setTimeout(0);
  }

  private record(ex: Exchange, status: number): void {
    if (ex.recorded) return;
    ex.recorded = true;
    this.ctx.metrics.recordRequest(ex.method, status, (performance.now() - ex.started) / 1000, ex.failure);
    this.ctx.inFlight.leave();
  }

  private handOff(): void {
    const { socket } = this;
    socket.removeListener('data', this.onData);
    socket.removeListener('close', this.onClose);
    socket.removeListener('error', this.onError);
    socket.removeListener('drain', this.onClientDrain);
    socket.setTimeout(0);
    socket.pause();
    const buffered = this.buf;
    this.buf = undefined;
    this.closed = true;
    this.ctx.handOff(this, socket, buffered);
  }
}

const EMPTY = Buffer.alloc(0);

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
