import { describe, expect, it, vi } from 'vitest';
import { OAuthError, type GrantContext, type GrantHandler } from '@tollgate/core';
import { expectError, expectTokens, makeServer, refresh, SERVICE_SECRET, token, verifyAccessToken, WEB_SECRET } from '../helpers.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const DEVICE = 'urn:example:params:oauth:grant-type:device-pairing';

describe('extension grants (RFC 6749 §4.5) registered through `grants`', () => {
  const setup = () => {
    const seen: GrantContext[] = [];
    const exchange: GrantHandler = async (context) => {
      seen.push(context);
      const subjectToken = context.params.get('subject_token');
      if (subjectToken === undefined) throw new OAuthError('invalid_request', 'subject_token is required');
      if (subjectToken !== 'valid-upstream-token') throw new OAuthError('invalid_grant', 'subject_token is invalid');
      return { subject: 'user-from-upstream', scope: context.checkScope(context.params.get('scope')), claims: { upstream: 'idp.example' }, issueRefreshToken: true };
    };
    const device = vi.fn<GrantHandler>(async (context) => ({ subject: `device-${context.params.get('device_id') ?? '?'}`, scope: context.checkScope(undefined) }));
    const server = makeServer({
      grants: { [TOKEN_EXCHANGE]: exchange, [DEVICE]: device },
      clients: [
        { id: 'gateway', secret: WEB_SECRET, grantTypes: [TOKEN_EXCHANGE, 'refresh_token'], scopes: ['orders:read', 'orders:write'] },
        { id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], scopes: ['orders:read'] },
      ],
    });
    return { server, seen, device };
  };

  it('works end to end: access token, refresh token, and a refresh of it', async () => {
    const { server, seen } = setup();
    const body = expectTokens(await token(server, { grant_type: TOKEN_EXCHANGE, subject_token: 'valid-upstream-token', scope: 'orders:read' }, { basic: ['gateway', WEB_SECRET] }));
    expect(body.scope).toBe('orders:read');
    expect(body.refresh_token).toBeTypeOf('string');
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload).toMatchObject({ sub: 'user-from-upstream', client_id: 'gateway', scope: 'orders:read', upstream: 'idp.example' });
    expect(seen[0]?.grantType).toBe(TOKEN_EXCHANGE);
    expect(seen[0]?.client.id).toBe('gateway');

    const refreshed = expectTokens(await refresh(server, body.refresh_token, {}, ['gateway', WEB_SECRET]));
    expect((await verifyAccessToken(server, refreshed.access_token)).payload).toMatchObject({ sub: 'user-from-upstream', upstream: 'idp.example' });
  });

  it('passes the handler’s OAuthErrors through as §5.2 errors', async () => {
    const { server } = setup();
    expectError(await token(server, { grant_type: TOKEN_EXCHANGE }, { basic: ['gateway', WEB_SECRET] }), 400, 'invalid_request', /subject_token/);
    expectError(await token(server, { grant_type: TOKEN_EXCHANGE, subject_token: 'forged' }, { basic: ['gateway', WEB_SECRET] }), 400, 'invalid_grant');
  });

  it('checks the scope with the same rules as built-in grants', async () => {
    const { server } = setup();
    expectError(await token(server, { grant_type: TOKEN_EXCHANGE, subject_token: 'valid-upstream-token', scope: 'profile' }, { basic: ['gateway', WEB_SECRET] }), 400, 'invalid_scope');
  });

  it('is unauthorized_client for a client that does not list it, and the handler is not called', async () => {
    const { server, device } = setup();
    expectError(await token(server, { grant_type: DEVICE, device_id: '1' }, { basic: ['service', SERVICE_SECRET] }), 400, 'unauthorized_client');
    expect(device).not.toHaveBeenCalled();
  });

  it('is listed in the metadata', () => {
    const { server } = setup();
    expect(server.metadata().grant_types_supported).toEqual(expect.arrayContaining([TOKEN_EXCHANGE, DEVICE, 'client_credentials']));
  });

  it('an unregistered extension grant is unsupported_grant_type', async () => {
    const { server } = setup();
    expectError(await token(server, { grant_type: 'urn:example:nope' }, { basic: ['gateway', WEB_SECRET] }), 400, 'unsupported_grant_type');
  });
});
