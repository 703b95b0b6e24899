import type { TollgateEventName, TollgateEvents } from '../events.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import type { ResolvedOptions } from '../options.js';
import type { AccessTokenIssuer } from '../tokens/access-token.js';

/** What every endpoint shares: the validated options plus a few services. */
export interface ServerContext extends ResolvedOptions {
  accessTokens: AccessTokenIssuer;
  /** Report an event; listener failures are logged, never thrown. */
  emit<K extends TollgateEventName>(name: K, payload: TollgateEvents[K]): void;
  /** Absolute URL of an endpoint path. */
  url(path: string): string;
  now(): number;
}

/** An endpoint: takes a request, answers a response. Errors are turned into responses by the server. */
export type EndpointHandler = (request: TollgateRequest, context: ServerContext) => Promise<TollgateResponse>;
