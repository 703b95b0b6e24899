/**
 * oidc-provider 9 (panva) on its own Koa stack (`provider.callback()` on node:http), client_credentials with
 * client_secret_basic. `jwt`: RFC 9068 JWT access tokens for a resource server resolved through
 * `features.resourceIndicators` (`defaultResource` + `getResourceServerInfo` with `accessTokenFormat: 'jwt'`,
 * signed EdDSA with the bench Ed25519 key). `opaque`: the default — no resource indicator, an opaque token kept
 * in the default memory adapter; introspection is on so the pre-flight can prove the token is live.
 */
import { createPrivateKey } from 'node:crypto';
import Provider, { type Configuration } from 'oidc-provider';
import { listenNode, type Variants } from '../listen.js';
import { AUDIENCE, AS_ISSUER, CLIENT_ID, CLIENT_SECRET, SCOPE, TOKEN_LIFETIME, keys } from '../shared.js';

function provider(format: 'jwt' | 'opaque'): Provider {
  const jwk = { ...createPrivateKey(keys().EdDSA.privatePem).export({ format: 'jwk' }), kid: keys().EdDSA.kid, alg: 'EdDSA', use: 'sig' };
  const configuration: Configuration = {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // The keystore holds only the Ed25519 key (the default, RS256, would need an RSA key).
        id_token_signed_response_alg: 'EdDSA',
        scope: SCOPE,
      },
    ],
    jwks: { keys: [jwk as never] },
    scopes: [SCOPE],
    ttl: { ClientCredentials: TOKEN_LIFETIME },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: format === 'opaque' },
      resourceIndicators:
        format === 'jwt'
          ? {
              enabled: true,
              defaultResource: () => AUDIENCE,
              useGrantedResource: () => true,
              getResourceServerInfo: () => ({ scope: SCOPE, audience: AUDIENCE, accessTokenTTL: TOKEN_LIFETIME, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'EdDSA' } } }),
            }
          : { enabled: false },
    },
  };
  const instance = new Provider(AS_ISSUER, configuration);
  // Errors are answered to the client; the default listener would log each one.
  instance.on('server_error', (_ctx, error) => console.error('[oidc-provider]', error));
  return instance;
}

export const variants: Variants = {
  jwt: () => listenNode(provider('jwt').callback()),
  opaque: () => listenNode(provider('opaque').callback()),
};
