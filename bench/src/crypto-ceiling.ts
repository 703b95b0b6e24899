/**
 * Raw signing/verification ops per second, one op at a time on one core (the harness pins this process):
 * jose `SignJWT` / `jwtVerify` for EdDSA and RS256 with an RFC 9068-shaped token, and `node:crypto` Ed25519
 * `sign()` / `verify()` of the same signing input. Time- and count-bounded; prints one JSON line.
 */
import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { AUDIENCE, CLIENT_ID, RS_ISSUER, SCOPE, keys, mintAccessToken, privateKey, publicKey, type Alg } from './shared.js';

const op = process.argv[2] ?? '';
const seconds = Number(process.argv[3] ?? 2);
const MAX_OPS = 50_000_000;

async function joseSign(alg: Alg): Promise<() => Promise<unknown>> {
  const key = privateKey(alg);
  const kid = keys()[alg].kid;
  let n = 0;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    n += 1;
    return new SignJWT({ client_id: CLIENT_ID, scope: SCOPE })
      .setProtectedHeader({ alg, typ: 'at+jwt', kid })
      .setIssuer(RS_ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setJti(`jti-${n}`)
      .sign(key);
  };
}

async function joseVerify(alg: Alg): Promise<() => Promise<unknown>> {
  const key = publicKey(alg);
  const token = await mintAccessToken(keys(), alg);
  return () => jwtVerify(token, key, { issuer: RS_ISSUER, audience: AUDIENCE, algorithms: [alg], typ: 'at+jwt' });
}

async function nodeEd25519(): Promise<() => Promise<unknown>> {
  const key = privateKey('EdDSA');
  const token = await mintAccessToken(keys(), 'EdDSA');
  const input = Buffer.from(token.slice(0, token.lastIndexOf('.')));
  return async () => nodeSign(null, input, key);
}

async function nodeEd25519Verify(): Promise<() => Promise<unknown>> {
  const key = publicKey('EdDSA');
  const token = await mintAccessToken(keys(), 'EdDSA');
  const dot = token.lastIndexOf('.');
  const input = Buffer.from(token.slice(0, dot));
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  return async () => {
    if (!nodeVerify(null, input, key, signature)) throw new Error('signature did not verify');
  };
}

const ops: Record<string, () => Promise<() => Promise<unknown>>> = {
  'jose-eddsa-sign': () => joseSign('EdDSA'),
  'jose-eddsa-verify': () => joseVerify('EdDSA'),
  'jose-rs256-sign': () => joseSign('RS256'),
  'jose-rs256-verify': () => joseVerify('RS256'),
  'node-ed25519-sign': nodeEd25519,
  'node-ed25519-verify': nodeEd25519Verify,
};

const make = ops[op];
if (!make || !Number.isFinite(seconds) || seconds <= 0 || seconds > 60) {
  console.error(`usage: crypto-ceiling.ts <${Object.keys(ops).join('|')}> <seconds ≤ 60>`);
  process.exit(2);
}
const fn = await make();
// Warm the JIT briefly, then measure.
const warmEnd = performance.now() + Math.min(500, seconds * 250);
for (let i = 0; i < MAX_OPS && performance.now() < warmEnd; i += 1) await fn();
const start = performance.now();
const end = start + seconds * 1000;
let count = 0;
while (count < MAX_OPS && performance.now() < end) {
  await fn();
  count += 1;
}
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ op, count, seconds: elapsed, opsPerSec: count / elapsed })}\n`);
