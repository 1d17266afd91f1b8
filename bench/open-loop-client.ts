// A lean open-loop HTTP load generator in its own process, for benchmarks whose figures are below a
// millisecond: Poisson arrivals at a fixed rate, requests written as bytes on kept-alive raw
// sockets, answers framed by Content-Length, latency from the moment an arrival is dispatched (a
// busy connection's wait counts, timer lateness does not) to the answer's last byte. The bench's
// own process, with its histograms and child-process bookkeeping, stays out of the timing, and a
// request costs the client a few microseconds instead of an HTTP library's tens.
//
//   node --import tsx bench/open-loop-client.ts '{"host":"127.0.0.1","port":8080,"path":"/","rps":2000,"seconds":2,"seed":1}'
// prints one JSON line: { sent, answered, errors, non2xx, seconds, latenciesUs: number[] }.
import net from 'node:net';
import { seededRandom } from '../sample-services/loadgen/random.ts';

interface Config {
  host: string;
  port: number;
  path: string;
  rps: number;
  seconds: number;
  seed: number;
  connections?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
for (const k of ['host', 'port', 'path', 'rps', 'seconds', 'seed'] as const)
  if (config[k] === undefined) throw new Error(`open-loop-client: "${k}" is missing from ${process.argv[2]}`);

const REQUEST = Buffer.from(
  `GET ${config.path} HTTP/1.1\r\nhost: ${config.host}:${config.port}\r\n\r\n`,
  'latin1',
);
const latenciesUs: number[] = [];
let sent = 0;
let answered = 0;
let non2xx = 0;

interface Conn {
  socket: net.Socket;
  busy: boolean;
  startedAt: number;
  buf: Buffer | undefined;
}

const idle: Conn[] = [];
const waiting: number[] = []; // dispatch times of arrivals waiting for a free connection

function send(conn: Conn, at: number): void {
  conn.busy = true;
  conn.startedAt = at;
  sent++;
  conn.socket.write(REQUEST);
}

function done(conn: Conn): void {
  answered++;
  latenciesUs.push(Math.round((performance.now() - conn.startedAt) * 1000));
  conn.busy = false;
  const next = waiting.shift();
  if (next !== undefined) send(conn, next);
  else idle.push(conn);
}

function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: config.host, port: config.port, noDelay: true });
    const conn: Conn = { socket, busy: false, startedAt: 0, buf: undefined };
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      conn.buf = conn.buf ? Buffer.concat([conn.buf, chunk]) : chunk;
      for (;;) {
        const buf: Buffer | undefined = conn.buf;
        if (!buf) return;
        const end: number = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.toString('latin1', 0, end);
        const m = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!m) throw new Error(`open-loop-client: an answer without Content-Length: ${head}`);
        const total: number = end + 4 + Number(m[1]);
        if (buf.length < total) return;
        conn.buf = buf.length === total ? undefined : buf.subarray(total);
        const status = Number(head.slice(9, 12));
        if (status < 200 || status > 299) non2xx++;
        done(conn);
      }
    });
  });
}

async function main(): Promise<void> {
  const conns = await Promise.all(Array.from({ length: config.connections ?? 32 }, open));
  idle.push(...conns);
  const random = seededRandom(config.seed);
  const meanGapMs = 1000 / config.rps;
  const started = performance.now();
  const end = started + config.seconds * 1000;
  let next = started;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        const conn = idle.pop();
        if (conn) send(conn, now);
        else waiting.push(now);
        next += -Math.log(1 - random()) * meanGapMs;
      }
      if (next >= end) return resolve();
      setTimeout(tick, Math.max(0, next - performance.now() - 0.5));
    };
    tick();
  });
  // Answers still on their way get a second.
  const deadline = performance.now() + 1_000;
  while (answered < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  for (const c of conns) c.socket.destroy();
  process.stdout.write(
    `${JSON.stringify({ sent, answered, errors: sent - answered, non2xx, seconds, latenciesUs })}\n`,
  );
}

await main();
