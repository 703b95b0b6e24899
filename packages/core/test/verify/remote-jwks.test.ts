import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJwks } from '../../src/verify/remote-jwks.js';
import { createVerifier, type VerifierOptions } from '../../src/verify/verifier.js';
import { AUDIENCE, claims, expectRefusal, ISSUER, keyEntry, memoryLogger, sign } from './helpers.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface JwksServer {
  url: string;
  hits(): number;
  serve(jwks: { keys: readonly unknown[] }): void;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

const servers: JwksServer[] = [];

async function jwksServer(initial: { keys: readonly unknown[] }): Promise<JwksServer> {
  let hits = 0;
  let handler: Handler = () => undefined;
  const serve = (jwks: { keys: readonly unknown[] }): void => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      response.end(JSON.stringify(jwks));
    };
  };
  serve(initial);
  const server = createServer((request, response) => {
    hits += 1;
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const result: JwksServer = {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    hits: () => hits,
    serve,
    handle: (next) => {
      handler = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(result);
  return result;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const oldKey = keyEntry('EdDSA', 'old');
const newKey = keyEntry('ES256', 'new');
const rsaKey = keyEntry('RS256', 'rsa');
const attacker = keyEntry('EdDSA', 'attacker');

function remote(url: string, extra: Partial<VerifierOptions> = {}) {
  const logger = memoryLogger();
  return { logger, verifier: createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: url, logger, ...extra }) };
}

describe('remote JWKS over HTTP', () => {
  it('verifies with the fetched keys and fetches once', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk, rsaKey.jwk] });
    const { verifier } = remote(server.url);
    await expect(verifier.verify(await sign(oldKey))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(verifier.verify(await sign(rsaKey))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(verifier.verify(await sign(oldKey))).resolves.toMatchObject({ sub: 'user-1' });
    expect(server.hits()).toBe(1);
  });

  it('accepts a URL object', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: new URL(server.url) });
    await expect(verifier.verify(await sign(oldKey))).resolves.toBeDefined();
  });

  it('follows a key rotation: tokens signed with the old and the new key verify', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const { verifier } = remote(server.url, { jwksCooldownMs: 100 });
    const before = await sign(oldKey);
    await expect(verifier.verify(before)).resolves.toBeDefined();
    server.serve({ keys: [newKey.jwk, oldKey.jwk] });
    const after = await sign(newKey);
    await sleep(150);
    await expect(verifier.verify(after)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(verifier.verify(before)).resolves.toMatchObject({ sub: 'user-1' });
    expect(server.hits()).toBe(2);
  });

  it('an unknown kid inside the cooldown is refused without a fetch', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const { verifier } = remote(server.url);
    await expect(verifier.verify(await sign(oldKey))).resolves.toBeDefined();
    server.serve({ keys: [newKey.jwk, oldKey.jwk] });
    await expectRefusal(verifier.verify(await sign(newKey)));
    expect(server.hits()).toBe(1);
  });

  it('a key dropped from the JWKS stops verifying, even for cached tokens', async () => {
    const server = await jwksServer({ keys: [newKey.jwk, oldKey.jwk] });
    const { verifier } = remote(server.url, { jwksMaxAgeMs: 50, jwksCooldownMs: 0 });
    const before = await sign(oldKey);
    await expect(verifier.verify(before)).resolves.toBeDefined();
    server.serve({ keys: [newKey.jwk] });
    await sleep(80);
    await expectRefusal(verifier.verify(before));
    await expect(verifier.verify(await sign(newKey))).resolves.toBeDefined();
  });

  it('a flood of 1000 made-up kids causes at most 2 fetches (sequential)', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const { verifier } = remote(server.url);
    for (let i = 0; i < 1000; i += 1) {
      const kid = `kid-${Math.random().toString(36).slice(2)}`;
      await expectRefusal(verifier.verify(await sign(attacker, claims(), { kid })));
    }
    expect(server.hits()).toBeLessThanOrEqual(2);
    await expect(verifier.verify(await sign(oldKey))).resolves.toBeDefined();
  });

  it('a flood of 1000 made-up kids causes at most 2 fetches (concurrent)', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const { verifier } = remote(server.url);
    const tokens = await Promise.all(Array.from({ length: 1000 }, (_, i) => sign(attacker, claims(), { kid: `random-${i}-${Math.random()}` })));
    const results = await Promise.allSettled(tokens.map((token) => verifier.verify(token)));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(server.hits()).toBeLessThanOrEqual(2);
  });

  it('concurrent misses share one in-flight fetch', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    server.handle((_request, response) => {
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys: [oldKey.jwk] }));
      }, 50);
    });
    const { verifier } = remote(server.url);
    const token = await sign(oldKey);
    const results = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(token)));
    expect(results).toHaveLength(50);
    expect(server.hits()).toBe(1);
  });

  it('an HTTP 500 from the JWKS fails closed, and refetches are rate-limited', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    server.handle((_request, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [attacker.jwk] }));
    });
    const { verifier, logger } = remote(server.url, { jwksCooldownMs: 200 });
    const token = await sign(oldKey);
    for (let i = 0; i < 20; i += 1) {
      const error = await expectRefusal(verifier.verify(token), 'temporarily_unavailable', token);
      expect(error.status).toBe(503);
    }
    expect(server.hits()).toBe(1);
    expect(logger.lines.some((line) => line.includes('JWKS fetch failed') && line.includes('500'))).toBe(true);
    expect(logger.lines.join('\n')).not.toContain(token);
    // Recovers after the cooldown once the JWKS is back.
    server.serve({ keys: [oldKey.jwk] });
    await sleep(250);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  it('a JWKS that went down keeps the cached keys working', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const { verifier } = remote(server.url, { jwksCooldownMs: 0, jwksMaxAgeMs: 1, cache: false });
    await expect(verifier.verify(await sign(oldKey))).resolves.toBeDefined();
    server.handle((_request, response) => {
      response.writeHead(503);
      response.end();
    });
    await sleep(5);
    await expect(verifier.verify(await sign(oldKey))).resolves.toBeDefined();
    await expectRefusal(verifier.verify(await sign(attacker)));
  });

  it('an unreachable JWKS fails closed', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const url = server.url;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const { verifier } = remote(url);
    await expectRefusal(verifier.verify(await sign(oldKey)), 'temporarily_unavailable');
  });

  it('a JWKS that never answers times out and fails closed', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    server.handle(() => undefined);
    const { verifier, logger } = remote(server.url, { jwksTimeoutMs: 150 });
    const started = Date.now();
    await expectRefusal(verifier.verify(await sign(oldKey)), 'temporarily_unavailable');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logger.lines.join('\n')).toContain('timed out');
  });

  it('a JWKS that stalls mid-body times out', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    server.handle((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"keys":[');
    });
    const { verifier } = remote(server.url, { jwksTimeoutMs: 150 });
    await expectRefusal(verifier.verify(await sign(oldKey)), 'temporarily_unavailable');
  });

  it('an oversized JWKS is refused', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    const huge = JSON.stringify({ keys: [oldKey.jwk], padding: 'x'.repeat(1024 * 1024) });
    server.handle((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(huge);
    });
    const { verifier, logger } = remote(server.url);
    await expectRefusal(verifier.verify(await sign(oldKey)), 'temporarily_unavailable');
    expect(logger.lines.join('\n')).toContain('too large');
  });

  it('an oversized chunked JWKS (no content-length) is refused', async () => {
    const server = await jwksServer({ keys: [oldKey.jwk] });
    server.handle((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`{"keys":[${JSON.stringify(oldKey.jwk)}],"padding":"`);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 16; i += 1) response.write(chunk);
      response.end('"}');
    });
    const { verifier } = remote(server.url);
    await expectRefusal(verifier.verify(await sign(oldKey)), 'temporarily_unavailable');
  });

  it('a redirect is not followed', async () => {
    const target = await jwksServer({ keys: [attacker.jwk] });
    const server = await jwksServer({ keys: [] });
    server.handle((_request, response) => {
      response.writeHead(302, { location: target.url });
      response.end();
    });
    const { verifier } = remote(server.url);
    await expectRefusal(verifier.verify(await sign(attacker)), 'temporarily_unavailable');
    expect(target.hits()).toBe(0);
  });

  it('garbage documents fail closed', async () => {
    for (const body of ['not json', '[]', '{"keys":"nope"}', '{"keys":[]}', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'old' }] })]) {
      const server = await jwksServer({ keys: [] });
      server.handle((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(body);
      });
      const { verifier } = remote(server.url);
      await expectRefusal(verifier.verify(await sign(oldKey)), 'temporarily_unavailable');
    }
  });

  it('skips unusable keys and keeps the usable ones', async () => {
    const server = await jwksServer({
      keys: [
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256' },
        { ...attacker.jwk, kid: 'enc-only', use: 'enc' },
        { ...attacker.jwk, kid: 'ops', key_ops: ['encrypt'] },
        { ...attacker.jwk, kid: 'ps', alg: 'PS256' },
        { ...oldKey.jwk, alg: 'ES256', kid: 'mislabelled' },
        { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'tiny' },
        null,
        'junk',
        oldKey.jwk,
      ],
    });
    const { verifier } = remote(server.url);
    await expect(verifier.verify(await sign(oldKey))).resolves.toBeDefined();
    for (const kid of ['hmac', 'enc-only', 'ops', 'ps', 'mislabelled', 'tiny']) await expectRefusal(verifier.verify(await sign(attacker, claims(), { kid })));
  });

  it('parseJwks reads only the public members of a key', () => {
    const [entry] = parseJwks({ keys: [{ ...oldKey.jwk, d: 'AAAA' }] });
    expect(entry?.privateKey).toBeUndefined();
    expect(entry?.kid).toBe('old');
  });
});
