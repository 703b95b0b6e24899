import { createServer } from 'node:http';
import { createApp } from './app.js';
import { callbackUri, oauthDomains } from './auth-server.js';
import { demoUsers } from './users.js';

const port = Number(process.env.PORT ?? 4001);
const issuer = process.env.ISSUER ?? `http://localhost:${port}`;
const { app, server } = createApp({ issuer, ...(process.env.TOLLGATE_COOKIE_SECRET ? { cookieSecret: process.env.TOLLGATE_COOKIE_SECRET } : {}) });
const http = createServer(app);

http.listen(port, '127.0.0.1', () => {
  const domains = oauthDomains(issuer)
    .map((client) => `  ${client.id.padEnd(15)} ${String(client.secret).padEnd(22)} ${client.grantTypes.join(', ')}`)
    .join('\n');
  const authorize = new URL('/oauth/authorize', issuer);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'privx-ui', state: 'demo-state', redirect_uri: callbackUri(issuer), user_agent: 'demo-browser', oidc_id: 'demo-oidc', scope: 'privx-user connections-manual' }).toString();
  console.log(`PrivX OAuth API (Tollgate example) listening on ${issuer}

OAuth domains (client id, secret, grants; HTTP Basic):
${domains}
Users: ${demoUsers.map((user) => `${user.username} / ${user.password}`).join(', ')}

Sign in as privx-ui (open in a browser; you land on the callback page with the code):
  ${authorize.href}
Password grant (privx-external):
  curl -s -u privx-external:privx-external-secret -d grant_type=password -d username=alice -d password=alice-password --data-urlencode 'scope=privx-user connections-manual' ${issuer}/oauth/token
Client credentials (privx-service):
  curl -s -u privx-service:privx-service-secret -d grant_type=client_credentials ${issuer}/oauth/token`);
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
