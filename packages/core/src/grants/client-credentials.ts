import type { GrantHandler } from './types.js';

/**
 * RFC 6749 §4.4: the client acts on its own behalf. Confidential clients only (enforced at registration and
 * by client authentication); never a refresh token (§4.4.3).
 */
export const clientCredentialsGrant: GrantHandler = async (context) => ({
  subject: context.client.id,
  scope: context.checkScope(context.params.get('scope')),
  issueRefreshToken: false,
});
