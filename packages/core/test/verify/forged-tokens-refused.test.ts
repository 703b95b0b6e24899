import { createHmac } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createKeySet } from '../../src/tokens/keys.js';
import { createVerifier } from '../../src/verify/verifier.js';
import { AUDIENCE, b64, claims, expectRefusal, ISSUER, keyEntry, memoryLogger, now, publicInput, sign, signRaw } from './helpers.js';

const legit = keyEntry('EdDSA', 'legit-ed');
const legitEs = keyEntry('ES256', 'legit-es');
const legitRsa = keyEntry('RS256', 'legit-rsa');
const attacker = keyEntry('EdDSA', 'attacker');
const attackerRsa = keyEntry('RS256', 'legit-rsa'); // same kid as the legitimate RSA key

const verifier = createVerifier({
  issuer: ISSUER,
  audience: AUDIENCE,
  keys: [publicInput(legit), publicInput(legitEs), publicInput(legitRsa)],
  logger: memoryLogger(),
});

describe('the control: a genuine token', () => {
  it('verifies and returns its claims', async () => {
    const token = await sign(legit, claims({ sub: 'alice' }));
    const result = await verifier.verify(token);
    expect(result).toMatchObject({ iss: ISSUER, sub: 'alice', aud: AUDIENCE, client_id: 'client-1', scope: 'orders:read profile' });
  });

  it('verifies every configured algorithm', async () => {
    for (const entry of [legit, legitEs, legitRsa]) {
      await expect(verifier.verify(await sign(entry))).resolves.toMatchObject({ sub: 'user-1' });
    }
  });
});

describe('forged tokens are refused', () => {
  it('alg "none" (unsigned token)', async () => {
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: legit.kid })}.${b64(claims())}.`;
    await expectRefusal(verifier.verify(token), 'invalid_token', token);
    const noKid = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`;
    await expectRefusal(verifier.verify(noKid));
    const upper = `${b64({ alg: 'NONE', typ: 'at+jwt' })}.${b64(claims())}.`;
    await expectRefusal(verifier.verify(upper));
  });

  it('HS256 keyed with the public key bytes (algorithm confusion)', async () => {
    const pem = legitRsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const secret of [pem, pem.trim(), JSON.stringify(legitRsa.jwk)]) {
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: legitRsa.kid })}.${b64(claims())}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      await expectRefusal(verifier.verify(token), 'invalid_token', token);
    }
    const viaJose = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: legit.kid }).sign(new TextEncoder().encode(pem));
    await expectRefusal(verifier.verify(viaJose));
  });

  it('an embedded "jwk" header carrying the attacker key', async () => {
    const jwk = await exportJWK(attacker.publicKey);
    await expectRefusal(verifier.verify(await sign(attacker, claims(), { jwk, kid: undefined })));
    // Even with a known kid the embedded key is never used, and the header alone is refused.
    await expectRefusal(verifier.verify(await sign(attacker, claims(), { jwk, kid: legit.kid })));
    await expectRefusal(verifier.verify(await sign(legit, claims(), { jwk: await exportJWK(legit.publicKey) })));
  });

  it('an attacker "jku" or "x5u" header is refused and never fetched', async () => {
    const fetchSpy = vi.fn<typeof fetch>(async () => new Response(JSON.stringify({ keys: [attacker.jwk] })));
    const remote = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://auth.example.com/jwks.json', fetch: fetchSpy, logger: memoryLogger() });
    for (const header of [{ jku: 'https://attacker.example/jwks.json' }, { x5u: 'https://attacker.example/cert.pem' }, { x5c: ['MIIB'] }]) {
      await expectRefusal(remote.verify(await sign(attacker, claims(), header)));
      await expectRefusal(verifier.verify(await sign(legit, claims(), header)));
    }
    for (const [url] of fetchSpy.mock.calls) expect(String(url)).toBe('https://auth.example.com/jwks.json');
  });

  it('a path-like "kid" just matches no key', async () => {
    const keys = createKeySet([{ key: legit.privateKey as NonNullable<typeof legit.privateKey>, kid: legit.kid }]);
    const fromSet = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, logger: memoryLogger() });
    for (const kid of ['../../etc/passwd', '/dev/null', 'file:///etc/passwd', `${legit.kid}/../${legit.kid}`, '__proto__', 'constructor', '']) {
      await expectRefusal(verifier.verify(await sign(attacker, claims(), { kid })));
      await expectRefusal(fromSet.verify(await sign(attacker, claims(), { kid })));
    }
  });

  it('a non-string "kid" is refused', async () => {
    const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: { $ne: null } })}.${b64(claims())}`;
    await expectRefusal(verifier.verify(`${input}.${'A'.repeat(86)}`));
  });

  it('any "crit" header, even one the signer understood', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: legit.kid, crit: ['urn:example:ext'], 'urn:example:ext': true })
      .sign(legit.privateKey as NonNullable<typeof legit.privateKey>, { crit: { 'urn:example:ext': true } });
    await expectRefusal(verifier.verify(token), 'invalid_token', token);
  });

  it('a tampered signature', async () => {
    const token = await sign(legit);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const middle = Math.floor(signature.length / 2);
    const flipped = signature.slice(0, middle) + (signature[middle] === 'A' ? 'B' : 'A') + signature.slice(middle + 1);
    await expectRefusal(verifier.verify(`${header}.${payload}.${flipped}`));
    await expectRefusal(verifier.verify(`${header}.${payload}.`));
    await expectRefusal(verifier.verify(`${header}.${payload}.${(await sign(legit)).split('.')[2] as string}`));
  });

  it('a tampered payload (scope escalation)', async () => {
    const token = await sign(legit, claims({ scope: 'orders:read' }));
    const [header, , signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${b64(claims({ scope: 'orders:read admin' }))}.${signature}`;
    await expectRefusal(verifier.verify(forged), 'invalid_token', forged);
  });

  it('an expired token (beyond the clock tolerance)', async () => {
    const token = await sign(legit, claims({ iat: now() - 600, exp: now() - 60 }));
    const error = await expectRefusal(verifier.verify(token), 'invalid_token', token);
    expect(error.description).toBe('the access token expired');
  });

  it('a token whose "nbf" is in the future', async () => {
    await expectRefusal(verifier.verify(await sign(legit, claims({ nbf: now() + 120 }))));
  });

  it('a token whose "iat" is in the future', async () => {
    await expectRefusal(verifier.verify(await sign(legit, claims({ iat: now() + 120 }))));
  });

  it('a wrong issuer', async () => {
    for (const iss of ['https://evil.example.com', `${ISSUER}/`, ISSUER.toUpperCase(), undefined]) {
      await expectRefusal(verifier.verify(await sign(legit, claims({ iss }))));
    }
  });

  it('a wrong audience', async () => {
    for (const aud of ['https://other.example.com', ['https://other.example.com', 'https://third.example.com'], [], undefined, `${AUDIENCE}/`]) {
      await expectRefusal(verifier.verify(await sign(legit, claims({ aud }))));
    }
  });

  it('typ "JWT" instead of "at+jwt", or no typ', async () => {
    for (const typ of ['JWT', 'jwt', 'application/jwt', 'at+jwt2', 'application/at+jwt; x=y', undefined]) {
      await expectRefusal(verifier.verify(await sign(legit, claims(), { typ })));
    }
  });

  it('accepts typ "AT+JWT" and "application/at+jwt"', async () => {
    for (const typ of ['AT+JWT', 'application/at+jwt', 'Application/AT+JWT']) {
      await expect(verifier.verify(await sign(legit, claims(), { typ }))).resolves.toMatchObject({ sub: 'user-1' });
    }
  });

  it('an algorithm not on the allow-list (ES256 when only EdDSA is allowed)', async () => {
    const edOnly = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(legit), publicInput(legitEs)], algorithms: ['EdDSA'], logger: memoryLogger() });
    expect(edOnly.algorithms).toEqual(['EdDSA']);
    await expectRefusal(edOnly.verify(await sign(legitEs)));
    await expect(edOnly.verify(await sign(legit))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('the default allow-list is only the algorithms of the configured keys', async () => {
    const edOnly = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(legit)] });
    expect(edOnly.algorithms).toEqual(['EdDSA']);
  });

  it('an RS256 token signed by an unknown key with a known kid', async () => {
    const token = await sign(attackerRsa);
    expect(attackerRsa.kid).toBe(legitRsa.kid);
    await expectRefusal(verifier.verify(token), 'invalid_token', token);
  });

  it('a key of the wrong type for the alg is a refusal, not a crash', async () => {
    // Header says RS256 and names the Ed25519 key: the key is only used for its own algorithm.
    const input = `${b64({ alg: 'RS256', typ: 'at+jwt', kid: legit.kid })}.${b64(claims())}`;
    await expectRefusal(verifier.verify(`${input}.${b64('x'.repeat(256))}`));
    await expectRefusal(verifier.verify(await sign(attackerRsa, claims(), { kid: legit.kid })));
    await expectRefusal(verifier.verify(await sign(legitEs, claims(), { kid: legit.kid })));
  });

  it('missing or mistyped required claims', async () => {
    for (const overrides of [
      { sub: undefined },
      { sub: 42 },
      { sub: '' },
      { client_id: undefined },
      { client_id: ['client-1'] },
      { jti: undefined },
      { exp: undefined },
      { exp: '9999999999' },
      { iat: undefined },
      { scope: ['orders:read'] },
      { aud: [AUDIENCE, 7] },
      { auth_time: 'yesterday' },
    ]) {
      await expectRefusal(verifier.verify(await sign(legit, claims(overrides))));
    }
  });

  it('an infinite "exp" (1e400) does not make a token immortal', async () => {
    const header = { alg: 'EdDSA', typ: 'at+jwt', kid: legit.kid };
    const text = JSON.stringify(claims({ exp: 0 })).replace('"exp":0', '"exp":1e400');
    const control = signRaw(legit, header, JSON.stringify(claims()));
    await expect(verifier.verify(control)).resolves.toMatchObject({ sub: 'user-1' });
    await expectRefusal(verifier.verify(signRaw(legit, header, text)));
  });

  it('garbage that is not a compact JWS', async () => {
    const token = await sign(legit);
    for (const garbage of ['', '.', '..', 'a.b.c', `${token}.extra`, `${token}.x.y`, token.replace(/\./g, '..'), '%E0%A4%A.b.c', 'é.é.é', `${b64('[]')}.${b64(claims())}.sig`, `${b64('null')}.${b64(claims())}.sig`, `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: legit.kid })}.${b64('[]')}.sig`, 'x'.repeat(20_000)]) {
      await expectRefusal(verifier.verify(garbage));
    }
    await expectRefusal(verifier.verify(undefined as unknown as string));
  });

  it('an opaque-looking token without a store is refused', async () => {
    await expectRefusal(verifier.verify('c29tZS1yYW5kb20tb3BhcXVlLXRva2Vu'));
  });

  it('the token never appears in any error', async () => {
    const tokens = [
      await sign(legit, claims({ exp: now() - 600, iat: now() - 900 })),
      await sign(attacker),
      await sign(legit, claims({ aud: 'https://other.example.com' })),
      await sign(legit, claims(), { typ: 'JWT' }),
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`,
      'opaque-token-value-that-must-not-leak',
    ];
    for (const token of tokens) await expectRefusal(verifier.verify(token), 'invalid_token', token);
  });
});
