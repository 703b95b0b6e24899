import { methodNotAllowed, errorResponse } from '../http/response.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import type { BearerMethod } from './bearer.js';

/** RFC 9728 §3: the well-known suffix of protected resource metadata. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** Options of {@link protectedResourceMetadata}; each maps to an RFC 9728 §2 member. */
export interface ProtectedResourceMetadataOptions {
  /** `resource`: the resource identifier, an https URL without fragment, exactly as clients use it. */
  resource: string | URL;
  /** `authorization_servers`: issuer identifiers of the authorization servers that issue tokens for it. */
  authorizationServers?: readonly (string | URL)[];
  /** `scopes_supported`. */
  scopesSupported?: readonly string[];
  /** `bearer_methods_supported`; default `['header']`, match the protector's bearer options. */
  bearerMethodsSupported?: readonly BearerMethod[];
  /** `jwks_uri`: the resource's own keys (for signed responses); rarely needed. */
  jwksUri?: string | URL;
  /** `resource_signing_alg_values_supported`. */
  resourceSigningAlgValuesSupported?: readonly string[];
  /** `resource_name`: human-readable name. */
  resourceName?: string;
  /** `resource_documentation`. */
  resourceDocumentation?: string | URL;
  /** `resource_policy_uri`. */
  resourcePolicyUri?: string | URL;
  /** `resource_tos_uri`. */
  resourceTosUri?: string | URL;
  /** Other members (extensions); the members above win over them. */
  extra?: Readonly<Record<string, unknown>>;
}

/** The RFC 9728 §2 document. */
export interface ProtectedResourceMetadataDocument {
  resource: string;
  authorization_servers?: string[];
  jwks_uri?: string;
  scopes_supported?: string[];
  bearer_methods_supported?: BearerMethod[];
  resource_signing_alg_values_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
  [member: string]: unknown;
}

/** The metadata, where it lives, and how to serve it. */
export interface ProtectedResourceMetadata {
  /** The JSON document. */
  readonly document: Readonly<ProtectedResourceMetadataDocument>;
  /** Absolute URL of the document (RFC 9728 §3.1); use it as the protector's `resourceMetadata`. */
  readonly url: string;
  /** Path part of `url`, to mount the handler at. */
  readonly path: string;
  /** A fresh 200 response carrying the document. */
  response(): TollgateResponse;
  /** Answer a request for the document: GET or HEAD get it, other methods 405. The path is not checked. */
  handle(request: TollgateRequest): TollgateResponse;
}

const PREFIX = 'protectedResourceMetadata: options.';
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const METHODS: readonly BearerMethod[] = ['header', 'body', 'query'];

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(url.hostname);
}

function urlMember(value: unknown, name: string, httpsOnly: boolean): string {
  if (typeof value !== 'string' && !(value instanceof URL)) throw new TypeError(`${PREFIX}${name} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${PREFIX}${name} must be an absolute URL`);
  }
  if (httpsOnly && url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) throw new TypeError(`${PREFIX}${name} must be an https URL`);
  if (url.hash !== '') throw new TypeError(`${PREFIX}${name} must not have a fragment`);
  // Kept as given: RFC 9728 §3.3 compares identifiers as strings.
  return typeof value === 'string' ? value : value.href;
}

function stringList(value: unknown, name: string, test: (item: string) => boolean): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !test(item))) throw new TypeError(`${PREFIX}${name} has an invalid entry`);
  return [...new Set(value as string[])];
}

/**
 * Build the RFC 9728 protected resource metadata of an API, and its well-known URL (§3.1: the suffix goes
 * between the host and the path of the resource identifier). Throws `TypeError` naming a bad option.
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  if (options === null || typeof options !== 'object') throw new TypeError('protectedResourceMetadata: options must be an object');
  const resource = urlMember(options.resource, 'resource', true);
  const document: ProtectedResourceMetadataDocument = { ...options.extra, resource };
  if (options.authorizationServers !== undefined) {
    if (!Array.isArray(options.authorizationServers) || options.authorizationServers.length === 0) throw new TypeError(`${PREFIX}authorizationServers must be a non-empty array`);
    document.authorization_servers = options.authorizationServers.map((issuer, index) => urlMember(issuer, `authorizationServers[${index}]`, true));
  }
  if (options.jwksUri !== undefined) document.jwks_uri = urlMember(options.jwksUri, 'jwksUri', true);
  if (options.scopesSupported !== undefined) document.scopes_supported = stringList(options.scopesSupported, 'scopesSupported', (item) => SCOPE_TOKEN.test(item));
  const methods = options.bearerMethodsSupported ?? ['header'];
  document.bearer_methods_supported = stringList(methods, 'bearerMethodsSupported', (item) => (METHODS as readonly string[]).includes(item)) as BearerMethod[];
  if (options.resourceSigningAlgValuesSupported !== undefined) {
    document.resource_signing_alg_values_supported = stringList(options.resourceSigningAlgValuesSupported, 'resourceSigningAlgValuesSupported', (item) => item.length > 0 && item !== 'none');
  }
  if (options.resourceName !== undefined) {
    if (typeof options.resourceName !== 'string' || options.resourceName.length === 0) throw new TypeError(`${PREFIX}resourceName must be a non-empty string`);
    document.resource_name = options.resourceName;
  }
  if (options.resourceDocumentation !== undefined) document.resource_documentation = urlMember(options.resourceDocumentation, 'resourceDocumentation', false);
  if (options.resourcePolicyUri !== undefined) document.resource_policy_uri = urlMember(options.resourcePolicyUri, 'resourcePolicyUri', false);
  if (options.resourceTosUri !== undefined) document.resource_tos_uri = urlMember(options.resourceTosUri, 'resourceTosUri', false);

  const parsed = new URL(resource);
  const path = `${PROTECTED_RESOURCE_WELL_KNOWN}${parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/$/, '')}`;
  const url = `${parsed.origin}${path}${parsed.search}`;
  const body = JSON.stringify(document);
  const frozen = JSON.parse(body) as ProtectedResourceMetadataDocument;
  for (const value of Object.values(frozen)) if (typeof value === 'object' && value !== null) Object.freeze(value);
  Object.freeze(frozen);
  const response = (): TollgateResponse => ({
    status: 200,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
    body,
  });
  return {
    document: frozen,
    url,
    path,
    response,
    handle(request) {
      const method = request.method.toUpperCase();
      if (method === 'GET') return response();
      if (method === 'HEAD') return { ...response(), body: '' };
      return errorResponse(methodNotAllowed(['GET', 'HEAD']));
    },
  };
}
