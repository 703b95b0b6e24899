import { decodeJwt } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { expectError, expectTokens, issueCode, makeServer, OTHER_SECRET, pkcePair, redeem, refresh, verifyAccessToken } from '../helpers.js';

/**
 * Prevents authorization code injection and replay: a code is redeemable once, only by the client it was
 * issued to; a second redemption revokes every token the first one produced (RFC 6749 §4.1.2, RFC 9700 §4.5).
 */
describe('authorization codes are bound to their client and single use', () => {
  it('answers invalid_grant when another client redeems the code', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { clientId: 'web', challenge: pair.challenge });
    const result = await redeem(server, { code, verifier: pair.verifier, client: ['other', OTHER_SECRET] });
    expectError(result, 400, 'invalid_grant');
    expect(result.json).not.toHaveProperty('access_token');
  });

  it('answers invalid_grant when a public client redeems a confidential client’s code', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { clientId: 'web', challenge: pair.challenge });
    expectError(await redeem(server, { code, verifier: pair.verifier, client: 'spa' }), 400, 'invalid_grant');
  });

  it('a second redemption is invalid_grant and revokes the tokens of the first (code reuse revokes the family)', async () => {
    const codeReused = vi.fn();
    const server = makeServer({ events: { 'code.reused': codeReused } });
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    const first = expectTokens(await redeem(server, { code, verifier: pair.verifier }));
    const jti = String(decodeJwt(first.access_token).jti);
    expect(await server.store.isAccessTokenRevoked(jti)).toBe(false);

    const second = await redeem(server, { code, verifier: pair.verifier });
    expectError(second, 400, 'invalid_grant');
    expect(second.json).not.toHaveProperty('access_token');

    // The refresh token from the first redemption stops working …
    expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
    // … and the first access token is on the revocation list (it still has a valid signature).
    expect(await server.store.isAccessTokenRevoked(jti)).toBe(true);
    await expect(verifyAccessToken(server, first.access_token)).resolves.toBeDefined();
    expect(codeReused).toHaveBeenCalledWith(expect.objectContaining({ clientId: 'web' }));
  });

  it('revokes the whole family the first redemption started, including rotated refresh tokens', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    const first = expectTokens(await redeem(server, { code, verifier: pair.verifier }));
    const rotated = expectTokens(await refresh(server, first.refresh_token));
    expectError(await redeem(server, { code, verifier: pair.verifier }), 400, 'invalid_grant');
    expectError(await refresh(server, rotated.refresh_token), 400, 'invalid_grant');
    expect(await server.store.isAccessTokenRevoked(String(decodeJwt(rotated.access_token).jti))).toBe(true);
  });

  it('revokes the first access token even for a client without refresh tokens', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { clientId: 'no-refresh', challenge: pair.challenge });
    const first = expectTokens(await redeem(server, { code, verifier: pair.verifier, client: ['no-refresh', OTHER_SECRET] }));
    expectError(await redeem(server, { code, verifier: pair.verifier, client: ['no-refresh', OTHER_SECRET] }), 400, 'invalid_grant');
    expect(await server.store.isAccessTokenRevoked(String(decodeJwt(first.access_token).jti))).toBe(true);
  });

  it('a replay with a wrong verifier still counts as reuse', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    const first = expectTokens(await redeem(server, { code, verifier: pair.verifier }));
    expectError(await redeem(server, { code, verifier: pkcePair().verifier }), 400, 'invalid_grant');
    expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
  });
});
