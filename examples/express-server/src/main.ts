import { createServer, type ServerResponse } from 'node:http';
import { createApp } from './app.js';
import { demoClients } from './auth-server.js';
import { storeFromEnv } from './store.js';
import { demoUsers } from './users.js';

const port = Number(process.env.PORT ?? 3000);
const issuer = process.env.ISSUER ?? `http://localhost:${port}`;
const { store, kind } = await storeFromEnv();
const { app, server } = createApp({
  issuer,
  store,
  ...(process.env.TOLLGATE_COOKIE_SECRET ? { cookieSecret: process.env.TOLLGATE_COOKIE_SECRET } : {}),
  // A PEM private key shared by every instance of this issuer.
  ...(process.env.TOLLGATE_SIGNING_KEY ? { keys: [{ key: process.env.TOLLGATE_SIGNING_KEY }] } : {}),
});
// During shutdown every answer closes its connection, so keep-alive clients cannot hold the process open.
let shuttingDown = false;
const inFlight = new Set<ServerResponse>();
const http = createServer((req, res) => {
  if (shuttingDown) res.setHeader('Connection', 'close');
  inFlight.add(res);
  res.once('close', () => inFlight.delete(res));
  app(req, res);
});

http.listen(port, '127.0.0.1', () => {
  const clients = demoClients(issuer)
    .map((client) => `  ${client.id.padEnd(13)} ${(client.secret ?? '(public)').padEnd(20)} ${client.grantTypes.join(', ')}`)
    .join('\n');
  console.log(`Tollgate example listening on ${issuer} (store: ${kind})

Clients (id, secret, grants):
${clients}
Users: ${demoUsers.map((user) => `${user.username} / ${user.password}`).join(', ')}

Get a token:
  curl -s -u demo-service:demo-service-secret -d grant_type=client_credentials -d scope=orders:read ${issuer}/oauth/token
Sign in with the demo web client: ${issuer}/client
Metadata: ${issuer}/.well-known/oauth-authorization-server`);
});

// Graceful shutdown: stop accepting, finish requests in flight (their connections then close), close the store.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shuttingDown = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const reaper = setInterval(() => http.closeIdleConnections(), 100);
    http.close(() => {
      clearInterval(reaper);
      void server.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
