import type { Client } from '../clients.js';
import type { Params } from '../http/form.js';
import type { TollgateRequest } from '../http/types.js';
import type { GrantedScope } from '../scopes.js';
import type { Store } from '../store/types.js';

/** What a grant handler is given. */
export interface GrantContext {
  /** The `grant_type` value. */
  readonly grantType: string;
  /** The authenticated client (already allowed to use this grant). */
  readonly client: Client;
  /** Form parameters of the body: no duplicates, empty values dropped. */
  readonly params: Params;
  /** Query parameters of the request URL. */
  readonly query: Params;
  /** The raw request. */
  readonly request: TollgateRequest;
  /** The server's store. */
  readonly store: Store;
  /** Check a requested scope (or the client's defaults when absent) against the client and the server's catalogue. */
  checkScope(requested: string | undefined): GrantedScope;
  /** Seconds since the epoch. */
  now(): number;
}

/** What a grant handler decides: who the token is for and what it may do. */
export interface GrantResult {
  /** The `sub` of the access token: a user id, or the client id for machine grants. */
  subject: string;
  /** The granted scope (from `checkScope`). */
  scope: GrantedScope;
  /** Extra claims for the access token (and carried across refreshes). */
  claims?: Record<string, unknown>;
  /** When the user signed in. */
  authTime?: number;
  /** Issue a refresh token too (only honoured when the client may use `refresh_token`). */
  issueRefreshToken?: boolean;
  /** Family the tokens belong to; a new one is made when a refresh token is issued without it. */
  familyId?: string;
  /** A refresh token the grant already issued (refresh rotation). */
  refreshToken?: string;
  /** Scope to echo when it differs from `scope` (refresh narrowing keeps the family's scope on the refresh token). */
  familyScope?: readonly string[];
}

/** A grant type implementation. Register your own with the server's `grants` option. */
export type GrantHandler = (context: GrantContext) => Promise<GrantResult>;
