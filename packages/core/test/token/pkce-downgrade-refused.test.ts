import { describe, expect, it } from 'vitest';
import { expectError, expectTokens, issueCode, makeServer, pkcePair, redeem } from '../helpers.js';

/**
 * Prevents the PKCE downgrade attack (RFC 9700 §4.8.2): an attacker who injects a code that was issued
 * without a challenge must not get it redeemed by sending some code_verifier.
 */
describe('PKCE downgrade', () => {
  it('answers invalid_grant for a code without a challenge redeemed with a code_verifier', async () => {
    const server = makeServer();
    const code = await issueCode(server, { challenge: null });
    const result = await redeem(server, { code, verifier: pkcePair().verifier });
    expectError(result, 400, 'invalid_grant');
    expect(result.json).not.toHaveProperty('access_token');
  });

  it('still redeems a code without a challenge when no verifier is sent (confidential clients that opted out)', async () => {
    const server = makeServer();
    const code = await issueCode(server, { challenge: null });
    expectTokens(await redeem(server, { code }));
  });

  it('does not accept the challenge itself as the verifier (no "plain" method)', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    expectError(await redeem(server, { code, verifier: pair.challenge }), 400, 'invalid_grant');
  });
});
