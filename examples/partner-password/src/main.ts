import { createServer } from 'node:http';
import { demoAgents } from './agents.js';
import { createApp } from './app.js';
import { PARTNER_CLIENT_ID } from './auth-server.js';

const port = Number(process.env.PORT ?? 4002);
const issuer = process.env.ISSUER ?? `http://localhost:${port}`;
const { app, server } = createApp({ issuer });
const http = createServer(app);

http.listen(port, '127.0.0.1', () => {
  const agent = demoAgents[0];
  console.log(`Comm100 Partner OAuth API (Tollgate example) listening on ${issuer}

Client (public): ${PARTNER_CLIENT_ID}
Agents: ${demoAgents.map((a) => `${a.email} / ${a.password} (partnerId ${a.partnerId})`).join(', ')}

Get a token:
  curl -s '${issuer}/oauth/token?partnerId=${agent?.partnerId ?? ''}' -H 'Content-Type: application/x-www-form-urlencoded' -X POST -d 'client_id=${PARTNER_CLIENT_ID}&grant_type=password&email=${agent?.email ?? ''}&password=${agent?.password ?? ''}'
Get user info:
  curl -s ${issuer}/oauth/userinfo -H "Authorization:Bearer $TOKEN"`);
});

// Graceful shutdown: stop accepting, finish requests in flight, close the store.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    http.close(() => {
      void server.close().then(() => process.exit(0));
    });
    http.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
