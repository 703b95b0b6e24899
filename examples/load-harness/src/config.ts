/** Settings shared by the harness server (child process) and the load runner. */

export type Adapter = 'express' | 'fastify';
export type StoreKind = 'memory' | 'redis';

/** Token lifetimes of the harness server, in seconds. */
export interface Lifetimes {
  /** Access tokens (and authorization codes). */
  access: number;
  /** Idle lifetime of each refresh token. */
  refresh: number;
  /** Absolute lifetime of a refresh-token family. */
  absolute: number;
}

/**
 * Lifetimes scaled to the warm-up, so that everything the store holds for a token (spent refresh tokens kept
 * for reuse detection, a family's access-token ids, revocation marks) expires and is swept within the warm-up
 * and the store reaches its steady state before memory is measured. With production lifetimes (hours to
 * days) the live state, and so the memory store, legitimately grows for that long; the unit test
 * `packages/core/test/memory-bounded-1m.test.ts` bounds it.
 */
export function lifetimesFor(warmupSeconds: number): Lifetimes {
  const access = Math.max(5, Math.floor(warmupSeconds * 0.6));
  const refresh = access;
  const absolute = Math.max(access + 3, Math.floor(warmupSeconds * 0.8));
  return { access, refresh, absolute };
}

/** The harness's demo clients. */
export const CLIENTS = {
  service: { id: 'load-service', secret: 'load-service-secret' },
  cli: { id: 'load-cli', secret: 'load-cli-secret' },
  web: { id: 'load-web', secret: 'load-web-secret' },
} as const;

/** `user-<n>`'s password (the harness server and the load generator both derive it). */
export const passwordOf = (n: number): string => `password-of-user-${n}`;

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
