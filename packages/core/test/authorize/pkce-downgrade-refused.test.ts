import { describe, expect, it } from 'vitest';
import { authParams, makeServer, obtainCode, pkce, redeem, WEB_SECRET } from './helpers.js';

// RFC 9700 §4.8.2: a code_verifier for a code issued without a code_challenge is a PKCE downgrade attempt:
// an attacker who stripped the challenge from the victim's request must not be able to redeem the code.
describe('PKCE downgrade', () => {
  const server = makeServer();
  const withoutPkce = (): Record<string, string> => {
    const params = authParams('web');
    delete params.code_challenge;
    delete params.code_challenge_method;
    return params;
  };

  it('a code_verifier is refused for a code issued without a challenge (full flow)', async () => {
    const code = await obtainCode(server, withoutPkce());
    const response = await redeem(server, { code, clientId: 'web', secret: WEB_SECRET, verifier: pkce().verifier });
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('invalid_grant');
    expect(response.json.access_token).toBeUndefined();
  });

  it('the refused downgrade consumes the code: it cannot be retried without the verifier', async () => {
    const code = await obtainCode(server, withoutPkce());
    expect((await redeem(server, { code, clientId: 'web', secret: WEB_SECRET, verifier: pkce().verifier })).status).toBe(400);
    const retry = await redeem(server, { code, clientId: 'web', secret: WEB_SECRET });
    expect(retry).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('control: the same code without a verifier is accepted', async () => {
    const code = await obtainCode(server, withoutPkce());
    const response = await redeem(server, { code, clientId: 'web', secret: WEB_SECRET });
    expect(response.status).toBe(200);
    expect(response.json.access_token).toBeTypeOf('string');
  });
});
