import type { Client, ClientAuthMethod } from '../clients.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/form.js';
import { getHeader, type HeadersLike } from '../http/types.js';
import { matchesHash } from '../tokens/random.js';
import { basicChallenge, parseBasic } from './basic.js';

/** Where the server looks clients up. */
export interface ClientDirectory {
  find(id: string): Promise<Client | undefined>;
  /** Find the client an API key belongs to; the directory checks the key against the client's `apiKeys`. */
  findByApiKey(apiKey: string): Promise<Client | undefined>;
}

/** What client authentication needs to know about the request. */
export interface ClientAuthInput {
  headers: HeadersLike;
  body: Params;
  /** The API-key header name, when the server accepts API keys. */
  apiKeyHeader: string | undefined;
  realm: string;
  /** Reports failures (the `client.auth_failed` event). */
  onFailure(details: { clientId: string | undefined; method: ClientAuthMethod; reason: string }): void;
}

/** An authenticated client and the method it used. */
export interface AuthenticatedClient {
  client: Client;
  method: ClientAuthMethod;
}

// Compared against when the client is unknown, so unknown ids and wrong secrets take the same time.
const DUMMY_HASH = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function secretMatches(presented: string, client: Client | undefined): client is Client {
  const ok = matchesHash(presented, client?.secretHash ?? DUMMY_HASH);
  return ok && client?.secretHash !== undefined;
}

/**
 * Authenticate the client of a token, revocation or introspection request (RFC 6749 §2.3).
 * Exactly one method per request (RFC 6749 §2.3: "MUST NOT use more than one authentication method");
 * unknown clients and wrong secrets get the same `invalid_client`.
 */
export async function authenticateClient(input: ClientAuthInput, directory: ClientDirectory): Promise<AuthenticatedClient> {
  let basic: ReturnType<typeof parseBasic>;
  try {
    basic = parseBasic(getHeader(input.headers, 'authorization'), input.realm);
  } catch (error) {
    input.onFailure({ clientId: undefined, method: 'client_secret_basic', reason: 'malformed Basic credentials' });
    throw error;
  }
  const apiKey = input.apiKeyHeader === undefined ? undefined : getHeader(input.headers, input.apiKeyHeader);
  const bodyId = input.body.get('client_id');
  const bodySecret = input.body.get('client_secret');
  const used = [basic !== undefined, bodySecret !== undefined, apiKey !== undefined && apiKey !== ''].filter(Boolean).length;
  if (used > 1) throw new OAuthError('invalid_request', 'more than one client authentication method was used');
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');

  const failed = (clientId: string | undefined, method: ClientAuthMethod, reason: string): OAuthError => {
    input.onFailure({ clientId, method, reason });
    // RFC 9110 §15.5.2: every 401 carries a challenge; RFC 6749 §5.2 names Basic when the client tried it.
    return new OAuthError('invalid_client', 'client authentication failed', { headers: { 'WWW-Authenticate': basicChallenge(input.realm) }, detail: reason });
  };

  if (basic) {
    const client = await directory.find(basic.clientId);
    if (!secretMatches(basic.clientSecret, client)) throw failed(basic.clientId, 'client_secret_basic', client ? 'wrong secret' : 'unknown client');
    if (!client.authMethods.has('client_secret_basic')) throw failed(client.id, 'client_secret_basic', 'method not allowed for client');
    return { client, method: 'client_secret_basic' };
  }
  if (apiKey !== undefined && apiKey !== '') {
    const client = apiKey.length > 1024 ? undefined : await directory.findByApiKey(apiKey);
    if (!client) throw failed(bodyId, 'api_key', 'unknown API key');
    if (!client.authMethods.has('api_key')) throw failed(client.id, 'api_key', 'method not allowed for client');
    if (bodyId !== undefined && bodyId !== client.id) throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
    return { client, method: 'api_key' };
  }
  if (bodySecret !== undefined) {
    if (bodyId === undefined) throw failed(undefined, 'client_secret_post', 'client_secret without client_id');
    const client = await directory.find(bodyId);
    if (!secretMatches(bodySecret, client)) throw failed(bodyId, 'client_secret_post', client ? 'wrong secret' : 'unknown client');
    if (!client.authMethods.has('client_secret_post')) throw failed(client.id, 'client_secret_post', 'method not allowed for client');
    return { client, method: 'client_secret_post' };
  }
  if (bodyId === undefined) {
    // RFC 6749 §5.2: a request with no client authentication at all is invalid_client.
    input.onFailure({ clientId: undefined, method: 'none', reason: 'no client authentication' });
    throw new OAuthError('invalid_client', 'client authentication is required', { headers: { 'WWW-Authenticate': basicChallenge(input.realm) } });
  }
  const client = await directory.find(bodyId);
  if (!client) throw failed(bodyId, 'none', 'unknown client');
  if (!client.authMethods.has('none')) throw failed(client.id, 'none', 'client must authenticate');
  return { client, method: 'none' };
}
