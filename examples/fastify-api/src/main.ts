import { createApi } from './app.js';

const issuer = process.env.ISSUER ?? 'http://localhost:3000';
const jwksUri = process.env.JWKS_URI ?? `${issuer}/.well-known/jwks.json`;
const port = Number(process.env.PORT ?? 3001);
const cooldown = process.env.JWKS_COOLDOWN_MS;

const app = createApi({ issuer, jwksUri, logger: { level: process.env.LOG_LEVEL ?? 'warn' }, ...(cooldown === undefined ? {} : { jwksCooldownMs: Number(cooldown) }) });
const address = await app.listen({ host: '127.0.0.1', port });

console.log(`Fastify API listening on ${address}
  issuer: ${issuer}
  JWKS:   ${jwksUri}

Call it with a token from the issuer:
  TOKEN=$(curl -s -u demo-service:demo-service-secret -d grant_type=client_credentials -d scope=orders:read ${issuer}/oauth/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  curl -H "Authorization: Bearer $TOKEN" ${address}/orders`);

// Graceful shutdown: stop accepting, finish requests in flight, then drop idle keep-alive connections so a
// client holding one cannot keep the process alive until Fastify's keep-alive timeout.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    void app.close().then(() => {
      clearInterval(reaper);
      process.exit(0);
    });
  });
}
