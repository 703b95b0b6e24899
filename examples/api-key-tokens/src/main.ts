import { createServer } from 'node:http';
import { createApp } from './app.js';
import { DEMO_API_KEY } from './auth-server.js';

const port = Number(process.env.PORT ?? 4000);
const issuer = process.env.ISSUER ?? `http://localhost:${port}`;
// ACS_API_KEYS: more accepted keys, comma-separated; the demo key is always accepted.
const extraKeys = (process.env.ACS_API_KEYS ?? '')
  .split(',')
  .map((key) => key.trim())
  .filter((key) => key.length > 0);
const apiKeys = [...new Set([DEMO_API_KEY, ...extraKeys])];
const { app, server } = createApp({ issuer, apiKeys });
const http = createServer(app);

http.listen(port, '127.0.0.1', () => {
  console.log(`PrizmDoc Cloud token API (Tollgate example) listening on ${issuer}

API keys accepted in the acs-api-key header: ${DEMO_API_KEY}${extraKeys.length ? ` (+${extraKeys.length} from ACS_API_KEYS)` : ''}

Get a token:
  curl -s -X POST ${issuer}/v1/authTokens -H 'acs-api-key: ${DEMO_API_KEY}' -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=client_credentials&scope=userid:1234 role:admin'
Use it (role:admin only):
  curl -s ${issuer}/v1/documents -H "Authorization: Bearer $TOKEN"`);
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
