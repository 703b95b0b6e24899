import { randomUUID } from 'node:crypto';

/** One PrivX session: the `sessionid` claim of every token issued from one sign-in. */
export interface PrivxSession {
  sessionid: string;
  /** The user's id (the `userid` claim). */
  userId: string;
  /** The OAuth domain (client) the session was opened for. */
  domain: string;
  grantType: 'authorization_code' | 'password';
  /** The `user_agent` parameter of the authorization request. */
  userAgent: string | undefined;
  /** The `oidc_id` parameter of the authorization request. */
  oidcId: string | undefined;
  createdAt: Date;
}

/** In-memory session log (a real deployment keeps it in its database). */
export class SessionLog {
  readonly #sessions = new Map<string, PrivxSession>();

  /** Open a session and answer its id. */
  open(session: Omit<PrivxSession, 'sessionid' | 'createdAt'>): string {
    const sessionid = randomUUID();
    this.#sessions.set(sessionid, { ...session, sessionid, createdAt: new Date() });
    return sessionid;
  }

  get(sessionid: string): PrivxSession | undefined {
    return this.#sessions.get(sessionid);
  }

  get size(): number {
    return this.#sessions.size;
  }
}
