import { OAuthError } from './errors.js';
import { printable } from './http/form.js';

/**
 * A scope the server knows. A plain string is a fixed scope (`orders:read`). An object with `parameter`
 * declares a parameterised scope: `userid:1234` is the scope `userid` with the value `1234`, which becomes
 * the claim `userid: "1234"` in the access token (or the claim named by `claim`).
 */
export type ScopeDefinition =
  | string
  | {
      /** The scope name, before the `:`. */
      name: string;
      /** Accepted values: a pattern the whole value must match, a list, or a predicate. */
      parameter: RegExp | readonly string[] | ((value: string) => boolean);
      /** The access-token claim the value becomes; defaults to `name`. `false` adds no claim. */
      claim?: string | false;
      /** Human-readable description for consent pages and metadata. */
      description?: string;
    };

/** A compiled scope rule. */
interface ParameterRule {
  name: string;
  accepts(value: string): boolean;
  claim: string | false;
}

/** The result of checking a requested scope string. */
export interface GrantedScope {
  /** Scope tokens, in request order, without duplicates. */
  tokens: string[];
  /** Claims contributed by parameterised scopes. */
  claims: Record<string, string>;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'auth_time', 'cnf', 'act']);

/** The scope catalogue: what a server accepts and how parameterised scopes become claims. */
export interface ScopeCatalogue {
  /** Every fixed scope and parameterised scope name, for metadata. */
  readonly names: readonly string[];
  /** Split, validate and resolve `requested` against what `allowed` (scope names) permits. */
  check(requested: string | undefined, allowed: readonly string[], fallback: readonly string[]): GrantedScope;
  /** The scope name of a token (`userid:1234` → `userid`). */
  nameOf(token: string): string;
  /** Check a client's `scopes` and `defaultScopes` at start-up; throws `TypeError` naming `where`. */
  checkClient(scopes: readonly string[], defaults: readonly string[], where: string): void;
}

/** Split a space-delimited scope string (RFC 6749 §3.3). Throws `invalid_scope` on bad syntax. */
export function splitScope(value: string): string[] {
  const tokens = value.split(' ');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new OAuthError('invalid_scope', 'scope is malformed');
    if (seen.has(token)) continue;
    seen.add(token);
    out.push(token);
  }
  return out;
}

/** Build the scope catalogue from the server's `scopes` option, validating it (TypeError naming `where`). */
export function createScopeCatalogue(definitions: readonly ScopeDefinition[] | undefined, where = 'scopes'): ScopeCatalogue {
  if (definitions !== undefined && !Array.isArray(definitions)) throw new TypeError(`${where} must be an array`);
  const fixed = new Set<string>();
  const rules = new Map<string, ParameterRule>();
  (definitions ?? []).forEach((definition, index) => {
    if (typeof definition === 'string') {
      if (!SCOPE_TOKEN.test(definition)) throw new TypeError(`${where}[${index}] "${definition}" is not a valid scope token (RFC 6749 §3.3)`);
      fixed.add(definition);
      return;
    }
    if (definition === null || typeof definition !== 'object' || typeof definition.name !== 'string' || !/^[\x21\x23-\x39\x3b-\x5b\x5d-\x7e]+$/.test(definition.name)) {
      throw new TypeError(`${where}[${index}].name must be a scope token without ":"`);
    }
    const { parameter } = definition;
    let accepts: (value: string) => boolean;
    if (parameter instanceof RegExp) {
      const anchored = new RegExp(`^(?:${parameter.source})$`, parameter.flags.replace(/[gy]/g, ''));
      accepts = (value) => anchored.test(value);
    } else if (Array.isArray(parameter)) {
      const values = new Set(parameter as readonly string[]);
      accepts = (value) => values.has(value);
    } else if (typeof parameter === 'function') {
      accepts = parameter as (value: string) => boolean;
    } else {
      throw new TypeError(`${where}[${index}].parameter must be a RegExp, an array of values or a function`);
    }
    const claim = definition.claim ?? definition.name;
    if (claim !== false && (typeof claim !== 'string' || RESERVED_CLAIMS.has(claim))) {
      throw new TypeError(`${where}[${index}].claim must be a claim name other than the registered ${[...RESERVED_CLAIMS].join(', ')}`);
    }
    if (rules.has(definition.name)) throw new TypeError(`${where}[${index}]: "${definition.name}" is declared twice`);
    rules.set(definition.name, { name: definition.name, accepts, claim });
  });
  const declared = definitions !== undefined;
  const nameOf = (token: string): string => {
    const colon = token.indexOf(':');
    if (colon > 0 && rules.has(token.slice(0, colon))) return token.slice(0, colon);
    return token;
  };
  return {
    names: [...fixed, ...rules.keys()],
    nameOf,
    checkClient(scopes, defaults, where) {
      for (const scope of scopes) {
        if (!SCOPE_TOKEN.test(scope)) throw new TypeError(`${where}.scopes: "${scope}" is not a valid scope token (RFC 6749 §3.3)`);
        if (declared && !fixed.has(scope) && !rules.has(scope)) throw new TypeError(`${where}.scopes: "${scope}" is not among the server's scopes`);
      }
      for (const scope of defaults) {
        if (!SCOPE_TOKEN.test(scope) || !scopes.includes(nameOf(scope))) throw new TypeError(`${where}.defaultScopes: "${scope}" is not one of the client's scopes`);
      }
    },
    check(requested, allowed, fallback) {
      const tokens = requested === undefined ? [...fallback] : splitScope(requested);
      const claims: Record<string, string> = {};
      const allowedSet = new Set(allowed);
      for (const token of tokens) {
        const name = nameOf(token);
        const rule = rules.get(name);
        if (rule) {
          const value = token.slice(name.length + 1);
          let ok = false;
          try {
            ok = value.length > 0 && rule.accepts(value) === true;
          } catch {
            ok = false;
          }
          if (!ok) throw new OAuthError('invalid_scope', `scope ${printable(name)} has an invalid value`);
          if (rule.claim !== false) {
            if (Object.prototype.hasOwnProperty.call(claims, rule.claim)) throw new OAuthError('invalid_scope', `scope ${printable(name)} is given more than once`);
            claims[rule.claim] = value;
          }
        } else if (declared && !fixed.has(token)) {
          throw new OAuthError('invalid_scope', 'a requested scope is unknown');
        }
        if (!allowedSet.has(name)) throw new OAuthError('invalid_scope', 'a requested scope is not allowed for this client');
      }
      return { tokens, claims };
    },
  };
}
