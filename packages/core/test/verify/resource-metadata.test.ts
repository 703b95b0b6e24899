import { describe, expect, it } from 'vitest';
import { protectedResourceMetadata, type ProtectedResourceMetadataOptions } from '../../src/verify/resource-metadata.js';

describe('RFC 9728 protected resource metadata', () => {
  it('builds the document and the well-known URL for a host', () => {
    const metadata = protectedResourceMetadata({
      resource: 'https://api.example.com',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: ['orders:read', 'orders:write'],
      resourceName: 'Orders API',
    });
    expect(metadata.url).toBe('https://api.example.com/.well-known/oauth-protected-resource');
    expect(metadata.path).toBe('/.well-known/oauth-protected-resource');
    expect(metadata.document).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['orders:read', 'orders:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Orders API',
    });
    const response = metadata.response();
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual(metadata.document);
  });

  it('RFC 9728 §3.1: inserts the well-known suffix before the path', () => {
    expect(protectedResourceMetadata({ resource: 'https://example.com/api/v1' }).url).toBe('https://example.com/.well-known/oauth-protected-resource/api/v1');
    expect(protectedResourceMetadata({ resource: 'https://example.com/' }).url).toBe('https://example.com/.well-known/oauth-protected-resource');
    expect(protectedResourceMetadata({ resource: new URL('https://example.com:8443/x') }).url).toBe('https://example.com:8443/.well-known/oauth-protected-resource/x');
  });

  it('keeps the resource identifier as given', () => {
    expect(protectedResourceMetadata({ resource: 'https://api.example.com' }).document.resource).toBe('https://api.example.com');
  });

  it('handle() serves GET and HEAD, 405 otherwise', () => {
    const metadata = protectedResourceMetadata({ resource: 'https://api.example.com' });
    expect(metadata.handle({ method: 'GET', url: metadata.path, headers: {} }).status).toBe(200);
    expect(metadata.handle({ method: 'HEAD', url: metadata.path, headers: {} }).body).toBe('');
    const post = metadata.handle({ method: 'POST', url: metadata.path, headers: {} });
    expect(post.status).toBe(405);
    expect(post.headers.Allow).toBe('GET, HEAD');
  });

  it('responses are fresh objects', () => {
    const metadata = protectedResourceMetadata({ resource: 'https://api.example.com' });
    metadata.response().headers['X-Mutated'] = '1';
    expect(metadata.response().headers['X-Mutated']).toBeUndefined();
    expect(Object.isFrozen(metadata.document)).toBe(true);
  });

  it('extra members never override registered ones', () => {
    const metadata = protectedResourceMetadata({ resource: 'https://api.example.com', extra: { resource: 'https://evil.example.com', dpop_bound_access_tokens_required: false } });
    expect(metadata.document.resource).toBe('https://api.example.com');
    expect(metadata.document.dpop_bound_access_tokens_required).toBe(false);
  });

  it.each([
    [{ resource: 'http://api.example.com' }, /options\.resource must be an https URL/],
    [{ resource: 'https://api.example.com#frag' }, /options\.resource must not have a fragment/],
    [{ resource: 'nope' }, /options\.resource must be an absolute URL/],
    [{ resource: 42 }, /options\.resource must be a URL/],
    [{ resource: 'https://a.example', authorizationServers: [] }, /options\.authorizationServers/],
    [{ resource: 'https://a.example', authorizationServers: ['http://auth.example.com'] }, /options\.authorizationServers\[0\]/],
    [{ resource: 'https://a.example', scopesSupported: ['a b'] }, /options\.scopesSupported/],
    [{ resource: 'https://a.example', bearerMethodsSupported: ['cookie'] }, /options\.bearerMethodsSupported/],
    [{ resource: 'https://a.example', resourceSigningAlgValuesSupported: ['none'] }, /options\.resourceSigningAlgValuesSupported/],
    [{ resource: 'https://a.example', resourceName: '' }, /options\.resourceName/],
  ])('rejects bad options with a TypeError naming the option (%#)', (options, message) => {
    expect(() => protectedResourceMetadata(options as unknown as ProtectedResourceMetadataOptions)).toThrow(message);
  });

  it('allows http on localhost for development', () => {
    expect(protectedResourceMetadata({ resource: 'http://localhost:3000' }).url).toBe('http://localhost:3000/.well-known/oauth-protected-resource');
  });
});
