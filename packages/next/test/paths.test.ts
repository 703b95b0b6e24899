import { describe, expect, it } from 'vitest';
import { compileMatcher, pathSpellings } from '../src/paths.js';

describe('pathSpellings()', () => {
  it.each([
    '/admin',
    '/Admin',
    '/ADMIN',
    '/%61dmin',
    '/%2561dmin',
    '//admin',
    '/admin/',
    '/admin//',
    '/./admin',
    '/x/../admin',
    '/x/y/../../admin',
    '/../admin',
    '/admin;x',
    '/admin;jsessionid=1/',
    '/ADMIN/%2e%2e/admin',
    '/%2e/admin',
    '/x/%2E%2E/admin',
    '/x%2f..%2fadmin',
    '\\admin',
    '/x%5c..%5cadmin',
  ])('canonicalises %s to /admin', (path) => {
    expect(pathSpellings(path)).toContain('/admin');
  });

  it('keeps an encoded slash both ways: as a separator and inside one segment', () => {
    expect(pathSpellings('/admin%2fsecret')).toEqual(['/admin/secret']);
    expect(pathSpellings('/admin%2f..%2fpublic')).toEqual(['/public', '/admin/../public']);
  });

  it('maps the root and empty paths to /', () => {
    expect(pathSpellings('/')).toEqual(['/']);
    expect(pathSpellings('')).toEqual(['/']);
    expect(pathSpellings('/..')).toEqual(['/']);
  });

  it.each(['/admin/%', '/%zz', '/adm%in', '/%E0%A4%A', '/%C0%AF', '/%ED%A0%80'])('refuses malformed percent-encoding without throwing: %s', (path) => {
    expect(pathSpellings(path)).toBeUndefined();
  });

  it('refuses percent-encoding nested deeper than four layers', () => {
    expect(pathSpellings('/%2525252561dmin')).toBeUndefined();
    expect(pathSpellings('/%25252561dmin')).toContain('/admin');
  });

  it('never throws on arbitrary input', () => {
    const alphabet = ['/', '.', '%', '2', 'e', 'f', 'F', 'a', ';', '\\', 'A', 'é', '\u0000', '5', 'c'];
    let seed = 7;
    for (let i = 0; i < 5_000; i++) {
      let path = '';
      for (let j = 0; j < 12; j++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        path += alphabet[seed % alphabet.length];
      }
      expect(() => pathSpellings(path)).not.toThrow();
    }
  });
});

describe('compileMatcher()', () => {
  it('follows Next.js matcher syntax for :path*, :path+, :id and :id?', () => {
    const star = compileMatcher('/admin/:path*', 'm');
    expect(['/admin', '/admin/x', '/admin/x/y'].map(star)).toEqual([true, true, true]);
    expect(['/adminx', '/', '/public/admin'].map(star)).toEqual([false, false, false]);
    const plus = compileMatcher('/admin/:path+', 'm');
    expect(['/admin', '/admin/x/y'].map(plus)).toEqual([false, true]);
    const one = compileMatcher('/orders/:id', 'm');
    expect(['/orders', '/orders/1', '/orders/1/x'].map(one)).toEqual([false, true, false]);
    const optional = compileMatcher('/orders/:id?', 'm');
    expect(['/orders', '/orders/1', '/orders/1/x'].map(optional)).toEqual([true, true, false]);
    expect(compileMatcher('/', 'm')('/')).toBe(true);
    expect(compileMatcher('/', 'm')('/x')).toBe(false);
  });

  it('ignores case and a trailing slash in the pattern', () => {
    const match = compileMatcher('/Admin/', 'm');
    expect(match('/admin')).toBe(true);
  });

  it('escapes regex characters in literal segments', () => {
    const match = compileMatcher('/v1.0/items', 'm');
    expect(match('/v1.0/items')).toBe(true);
    expect(match('/v1x0/items')).toBe(false);
  });

  it('matches decoded newlines inside a wildcard (dotAll)', () => {
    expect(compileMatcher('/admin/:path*', 'm')('/admin/\n')).toBe(true);
  });

  it('makes RegExps case-insensitive and stateless', () => {
    const match = compileMatcher(/^\/Admin(\/|$)/g, 'm');
    expect([match('/admin'), match('/admin'), match('/admin/x'), match('/administrator')]).toEqual([true, true, true, false]);
  });

  it('counts only a literal true from a predicate', () => {
    expect(compileMatcher((path) => path === '/x', 'm')('/x')).toBe(true);
    expect(compileMatcher(() => 1 as unknown as boolean, 'm')('/x')).toBe(false);
  });

  it.each(['admin', '', '/admin/:path*/x', '/admin/(.*)', '/admin/*', '//admin', '/a b', '/:p+/x'])('throws a TypeError naming the option for %j', (pattern) => {
    expect(() => compileMatcher(pattern, 'routes[0].matcher')).toThrow(/routes\[0\]\.matcher/);
  });

  it('throws a TypeError for a matcher of the wrong type', () => {
    expect(() => compileMatcher(42 as unknown as string, 'routes[1].matcher')).toThrow(TypeError);
  });
});
