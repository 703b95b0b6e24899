import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createProtector, s256Challenge } from '../../src/index.js';
import { FIRST_PARTY_ID, FORM, GUARD_PATH, PASSWORD, PATHS, REDIRECT_URI, USERNAME, VALID_BASIC, Violation, answerOf, createFuzzServer, fuzzParameters, mintGuardTokens, within } from './generators.js';

// Regression test (found by fuzzing; seeds pinned so they reproduce). Two places, one cause:
// signatures decoded by lenient base64url decoders, so one signature has several accepted spellings.
//
// 1. Access tokens (verify/verifier.ts, tokens/resolve.ts).
// A JWS signature segment is base64url without padding (RFC 7515 §2, §7.1). An Ed25519 signature is 64
// bytes = 86 characters whose last one carries 4 unused bits; a lenient decoder maps 16 different last
// characters, and a `==`-padded segment, to the same bytes. The verifier (jose's decoder) and the
// introspection endpoint accept all of them: one issued token has 17 accepted spellings. Nothing is forged
// (same claims, same jti), but anything keyed on the token string — the verifier cache, a deny-list, logs,
// rate limits — sees different tokens. Fix: refuse a compact JWS whose segments are not canonical base64url,
// e.g. in verifier.ts verifyJwt and tokens/resolve.ts ownJwt:
//   const canonical = (s: string) => /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
//   if (!parts.every(canonical)) throw invalid('non-canonical base64url');
// (and drop the trailing `=*` that bearer.ts's B64TOKEN allows for JWTs).
//
// 2. Sealed values (interaction/signed.ts: form state, session and consent cookies) are `<body>.<mac>`;
// `open()` decodes the MAC with Buffer.from(mac, 'base64url'), which also takes `=` padding, `+` and `/`,
// so `<body>.<mac>=` or the MAC in the other alphabet still opens. The body itself cannot change (it is the
// HMAC input), so nothing is forged; the form and cookies are just not canonical. Fix: in open(), compare
// strings instead of decoded bytes — `timingSafeEqual(Buffer.from(sealed.slice(dot + 1)), Buffer.from(mac(key, purpose, body).toString('base64url')))`
// (equal lengths checked first) — or refuse a MAC that does not match /^[A-Za-z0-9_-]{43}$/.
type Respelling = { last: string } | { pad: '=' | '==' };
const spellings: fc.Arbitrary<Respelling> = fc.oneof(
  fc.record({ last: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')) }),
  fc.record({ pad: fc.constantFrom('=' as const, '==' as const) }),
);
const respell = (token: string, how: Respelling): string => ('last' in how ? token.slice(0, -1) + how.last : token + how.pad);

describe('signature malleability', () => {
  it('accepts an issued access token only in the exact spelling it was issued in', async () => {
    const server = createFuzzServer();
    const zoo = await mintGuardTokens(server);
    const issued = [...zoo.accepted.values()];
    const guard = createProtector({ server }).guard({ scopes: ['a'] });
    await fc.assert(
      fc.asyncProperty(fc.nat(), spellings, async (index, how) => {
        const original = issued[index % issued.length] as string;
        const token = respell(original, how);
        fc.pre(token !== original);
        const result = await within(guard({ method: 'GET', url: GUARD_PATH, headers: { authorization: `Bearer ${token}` } }));
        if (result.ok) throw new Violation(`the protector accepted a respelling of an issued token: …${token.slice(-6)} for …${original.slice(-6)}`);
        const introspection = await within(server.handle({ method: 'POST', url: PATHS.introspection, headers: { authorization: VALID_BASIC, 'content-type': FORM }, body: new URLSearchParams({ token }).toString() }));
        if (introspection.body.includes('"active":true')) throw new Violation('introspection reports a respelled token as active');
      }),
      fuzzParameters(200, { seed: 1 }),
    );
  });
});

describe('signature malleability: sealed form state', () => {
  it('opens a sealed value only in the exact spelling it was sealed in', async () => {
    const server = createFuzzServer();
    const url = `${PATHS.authorize}?${new URLSearchParams({ response_type: 'code', client_id: FIRST_PARTY_ID, redirect_uri: REDIRECT_URI, scope: 'a', code_challenge: s256Challenge('v'.repeat(43)), code_challenge_method: 'S256' })}`;
    const page = answerOf(await server.handle({ method: 'GET', url, headers: { accept: 'text/html' } }));
    const hidden = Object.fromEntries([...page.body.matchAll(/name="(tollgate_[a-z]+)" value="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]));
    const csrf = (page.cookies[0] ?? '').split(';')[0] ?? '';
    const sealed = hidden.tollgate_request as string;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('=', '==', 'alphabet'), async (how) => {
        const respelled = how === 'alphabet' ? sealed.replace(/^([^.]*\.)(.*)$/, (_, body: string, mac: string) => body + mac.replace(/-/g, '+').replace(/_/g, '/')) : sealed + how;
        fc.pre(respelled !== sealed);
        const body = new URLSearchParams({ ...hidden, tollgate_request: respelled, username: USERNAME, password: PASSWORD }).toString();
        const answer = answerOf(await within(server.handle({ method: 'POST', url: PATHS.authorize, headers: { 'content-type': FORM, cookie: csrf }, body })));
        if (answer.headers.location?.includes('code=')) throw new Violation(`a respelled form state (${how}) was accepted and a code issued`);
      }),
      fuzzParameters(20, { seed: 1 }),
    );
  });
});
