// The built-in `homeostat/echo` image: a small HTTP server for tests and demos. It binds
// $POD_IP:$PORT (default 127.0.0.1:8080) and answers:
//   GET /healthz        200 "ok" (503 after POST /fail-health, 200 again after POST /heal)
//   GET /ready          200, or 503 after POST /unready (POST /ready makes it ready again)
//   GET /env            the process environment as JSON
//   anything else       JSON echo of method, path, headers, pod name and address
// On SIGTERM it logs "received SIGTERM", waits $SHUTDOWN_DELAY_MS (default 0) and exits 0.

import { createServer } from 'node:http';

const host = process.env.POD_IP || process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 8080);
const shutdownDelayMs = Number(process.env.SHUTDOWN_DELAY_MS || 0);
let healthy = true;
let ready = true;
let requests = 0;

const server = createServer((req, res) => {
  requests++;
  const path = (req.url ?? '/').split('?')[0];
  const reply = (status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  };
  if (req.method === 'POST') {
    if (path === '/fail-health') healthy = false;
    else if (path === '/heal') healthy = true;
    else if (path === '/unready') ready = false;
    else if (path === '/ready') ready = true;
    else if (path === '/exit') {
      reply(200, 'exiting');
      setTimeout(
        () => process.exit(Number(new URL(req.url ?? '/', 'http://x').searchParams.get('code') ?? 1)),
        10,
      );
      return;
    }
    return reply(200, { healthy, ready });
  }
  if (path === '/healthz') return reply(healthy ? 200 : 503, healthy ? 'ok' : 'unhealthy');
  if (path === '/ready') return reply(ready ? 200 : 503, ready ? 'ready' : 'not ready');
  if (path === '/env') return reply(200, process.env);
  reply(200, {
    pod: process.env.HOSTNAME ?? '',
    address: `${host}:${port}`,
    method: req.method,
    path: req.url,
    headers: req.headers,
    requests,
  });
});

server.listen(port, host, () => {
  console.log(`echo listening on ${host}:${port}`);
});

process.on('SIGTERM', () => {
  console.log('received SIGTERM');
  setTimeout(() => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  }, shutdownDelayMs);
});
