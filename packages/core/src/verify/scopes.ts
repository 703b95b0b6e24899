import { OAuthError } from '../errors.js';
import type { TollgateAuth } from './claims.js';

/**
 * What a protected route requires of a verified token. All given parts must hold; an empty rule accepts
 * any valid token.
 */
export interface ScopeRule {
  /** Every one of these scopes (all-of). */
  scopes?: readonly string[];
  /** At least one of these scopes (any-of). */
  anyScopes?: readonly string[];
  /**
   * A predicate over the verified claims; only `true` passes. A throw or rejection is a refusal
   * (500 `server_error`), never a pass.
   */
  claims?: (claims: TollgateAuth) => boolean | Promise<boolean>;
}

const PASSED: ScopeCheck = Object.freeze({ ok: true });

/** Outcome of a rule check. */
export type ScopeCheck = { ok: true } | { ok: false; error: OAuthError; scope: readonly string[] };

/** A validated rule, ready to check claims. */
export interface CompiledScopeRule {
  readonly rule: Readonly<ScopeRule>;
  /** Synchronous unless the rule has a `claims` predicate (which may be async). */
  check(claims: TollgateAuth, granted: readonly string[]): ScopeCheck | Promise<ScopeCheck>;
}

/** RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function scopeList(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((item) => typeof item !== 'string' || !SCOPE_TOKEN.test(item))) {
    throw new TypeError(`${where} must be a non-empty array of scope tokens (RFC 6749 §3.3)`);
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** True when `granted` holds every scope in `required`. */
export function hasAllScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

/** True when `granted` holds at least one scope in `candidates`. */
export function hasAnyScope(granted: readonly string[], candidates: readonly string[]): boolean {
  return candidates.some((scope) => granted.includes(scope));
}

const insufficient = (description: string, scope: readonly string[]): ScopeCheck => ({
  ok: false,
  error: new OAuthError('insufficient_scope', description),
  scope,
});

/**
 * Validate a rule once (a bad rule is a `TypeError` naming `where`) and return its checker.
 * RFC 6750 §3.1: a token without the needed scope is `insufficient_scope` (403), with the needed scopes listed.
 */
export function compileScopeRule(rule: ScopeRule = {}, where = 'rule'): CompiledScopeRule {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) throw new TypeError(`${where} must be an object like { scopes: ['orders:read'] }`);
  const scopes = scopeList(rule.scopes, `${where}.scopes`);
  const anyScopes = scopeList(rule.anyScopes, `${where}.anyScopes`);
  const predicate = rule.claims;
  if (predicate !== undefined && typeof predicate !== 'function') throw new TypeError(`${where}.claims must be a function`);
  const frozen: ScopeRule = {};
  if (scopes) frozen.scopes = scopes;
  if (anyScopes) frozen.anyScopes = anyScopes;
  if (predicate) frozen.claims = predicate;
  Object.freeze(frozen);
  return {
    rule: frozen,
    check(claims, granted) {
      if (scopes && !hasAllScopes(granted, scopes)) return insufficient('the access token lacks a required scope', scopes);
      if (anyScopes && !hasAnyScope(granted, anyScopes)) return insufficient('the access token needs one of the listed scopes', anyScopes);
      if (!predicate) return PASSED;
      // Fail closed: only a literal `true` passes; a throw propagates and becomes a 500 refusal.
      return (async () => ((await predicate(claims)) === true ? PASSED : insufficient('the access token does not grant access to this resource', [])))();
    },
  };
}
