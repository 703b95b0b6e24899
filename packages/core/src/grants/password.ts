import type { Client } from '../clients.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/form.js';
import type { TollgateRequest } from '../http/types.js';
import { createLockout, type LockoutOptions } from '../lockout.js';
import type { GrantHandler } from './types.js';

/** What the app's `authenticateUser` hook receives for the password grant. */
export interface PasswordCredentials {
  /** The resource owner's name, read from the configured parameter (`username`, or e.g. `email`). */
  username: string;
  password: string;
  client: Client;
  /** Every body parameter (the required extras among them). */
  params: Params;
  /** Every query parameter (e.g. seed 002's `partnerId`). */
  query: Params;
  request: TollgateRequest;
}

/** What `authenticateUser` answers for a valid resource owner; `null`/`undefined` for wrong credentials. */
export interface AuthenticatedUser {
  /** The user id, the `sub` of the access token. */
  subject: string;
  /** Claims to put in the access token (and keep across refreshes). */
  claims?: Record<string, unknown>;
}

/** Options of the password grant. */
export interface PasswordGrantOptions {
  /** Check the resource owner's credentials (hash user passwords with a slow KDF there). */
  authenticateUser(credentials: PasswordCredentials): Promise<AuthenticatedUser | null | undefined>;
  /** Body parameter naming the resource owner. Default `username`. */
  usernameParameter?: string;
  /** Body parameter carrying the password. Default `password`. */
  passwordParameter?: string;
  /** Parameters that must be present, in the query or the body; missing ones are `invalid_request`. */
  requiredParameters?: readonly { name: string; in: 'query' | 'body' }[];
  /** Lock a username after `maxAttempts` failures within `windowSeconds`. Default 5 in 900 s. `false` disables. */
  lockout?: LockoutOptions | false;
}

/** Hooks the password grant reports through. */
export interface PasswordGrantHooks {
  onLocked(details: { clientId: string; username: string }): void;
}

const GENERIC = 'the resource owner credentials are invalid';

/**
 * RFC 6749 §4.3, off unless a client lists `password` (RFC 9700 §2.4 deprecates it). Repeated failures
 * for one username lock it for a while, and while locked even the right password gets the same `invalid_grant`.
 */
export function passwordGrant(options: PasswordGrantOptions, hooks: PasswordGrantHooks): GrantHandler {
  const usernameParameter = options.usernameParameter ?? 'username';
  const passwordParameter = options.passwordParameter ?? 'password';
  const required = options.requiredParameters ?? [];
  return async (context) => {
    const lockout = createLockout(context.store, options.lockout);
    const { params, query, client } = context;
    for (const parameter of required) {
      const source = parameter.in === 'query' ? query : params;
      if (source.get(parameter.name) === undefined) throw new OAuthError('invalid_request', `${parameter.name} is required`);
    }
    const username = params.get(usernameParameter);
    const password = params.get(passwordParameter);
    if (username === undefined) throw new OAuthError('invalid_request', `${usernameParameter} is required`);
    if (password === undefined) throw new OAuthError('invalid_request', `${passwordParameter} is required`);
    const scope = context.checkScope(params.get('scope'));

    const subject = { username, clientId: client.id, params, query };
    if (!(await lockout.reserve(subject))) {
      hooks.onLocked({ clientId: client.id, username });
      throw new OAuthError('invalid_grant', GENERIC, { detail: 'username locked' });
    }
    const user = await options.authenticateUser({ username, password, client, params, query, request: context.request });
    if (!user) {
      throw new OAuthError('invalid_grant', GENERIC);
    }
    if (typeof user.subject !== 'string' || user.subject.length === 0) throw new Error('authenticateUser must return a non-empty subject');
    await lockout.succeeded(subject);
    return {
      subject: user.subject,
      scope,
      ...(user.claims === undefined ? {} : { claims: user.claims }),
      authTime: context.now(),
      issueRefreshToken: true,
    };
  };
}
