/** Audit events and their payloads. Payloads never carry tokens or secrets. */
export interface TollgateEvents {
  /** An access token (and maybe a refresh token) was issued. */
  'token.issued': { clientId: string; subject: string; grantType: string; jti: string; scope: string; refreshToken: boolean };
  /** A spent refresh token was presented again; its family is revoked. */
  'refresh.reused': { clientId: string; familyId: string };
  /** An authorization code was redeemed twice; tokens from the first redemption are revoked. */
  'code.reused': { clientId: string; familyId: string };
  /** Client authentication failed. */
  'client.auth_failed': { clientId: string | undefined; method: string; reason: string };
  /** A password-grant username is locked after repeated failures. */
  'user.locked': { clientId: string; username: string };
  /** A token was revoked (RFC 7009). */
  'token.revoked': { clientId: string; tokenType: 'access_token' | 'refresh_token' };
}

/** Names of {@link TollgateEvents}. */
export type TollgateEventName = keyof TollgateEvents;

/** Listeners per event. */
export type TollgateEventListeners = { [K in TollgateEventName]?: (payload: TollgateEvents[K]) => void };

/** Where Tollgate reports what the client is not told. */
export interface TollgateLogger {
  error(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

/** The default logger: `console`, one line per entry. */
export const consoleLogger: TollgateLogger = {
  error: (message, details) => console.error(`[tollgate] ${message}`, details ?? ''),
  warn: (message, details) => console.warn(`[tollgate] ${message}`, details ?? ''),
};
