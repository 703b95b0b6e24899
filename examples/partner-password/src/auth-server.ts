import { createAuthServer, generateKey, type AuthServer, type Store, type TollgateLogger } from '@tollgate/core';
import { checkAgent, userInfo } from './agents.js';

/** The document's public client: `client_id` only, no secret. */
export const PARTNER_CLIENT_ID = '1d29e6d7-18cf-407d-a064-e4f8c4baefab';

/** Options of the example server. */
export interface PartnerOptions {
  issuer: string;
  store?: Store;
  logger?: TollgateLogger;
}

/** The partner API's authorization server: the password grant and userinfo. */
export function createPartnerAuthServer(options: PartnerOptions): AuthServer {
  return createAuthServer({
    issuer: options.issuer,
    // Demo only: a fresh key per start. Production apps load their private keys.
    keys: [generateKey('EdDSA')],
    ...(options.store ? { store: options.store } : {}),
    // "client_id  string  form  yes": a public client (no secret, so `none` authentication), password grant only,
    // and no refresh_token grant, so the response has exactly access_token, token_type and expires_in.
    clients: [{ id: PARTNER_CLIENT_ID, name: 'Comm100 partner app', grantTypes: ['password'] }],
    // "token_type": "Bearer" (the default), "expires_in": 43200
    accessToken: { lifetime: 43200 },
    password: {
      // "email  string  form  yes  Resource owner email."
      usernameParameter: 'email',
      // "partnerId  string  query  yes  Id of the partner."
      requiredParameters: [{ name: 'partnerId', in: 'query' }],
      // Emails are unique within a partner only: lock failed sign-ins per partner and email.
      lockout: { key: ({ username, query }) => `${query.get('partnerId') ?? ''}:${username.toLowerCase()}` },
      authenticateUser: async ({ username, password, query }) => {
        const partnerId = query.get('partnerId') ?? '';
        const agent = checkAgent(partnerId, username, password);
        return agent && { subject: agent.agentId, claims: { partnerId } };
      },
    },
    // GET /oauth/userinfo: "agentId", "siteId" (a number in the example), "role".
    userinfo: ({ subject }) => userInfo(subject),
    logger: options.logger ?? { error: (message, details) => console.error(`[tollgate] ${message}`, details ?? ''), warn: () => undefined },
  });
}
