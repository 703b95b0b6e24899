/** Layers of percent-encoding undone before a path is refused as too deeply encoded. */
const MAX_DECODE_ROUNDS = 4;

function decodeFully(value: string): string | undefined {
  let current = value;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined; // malformed `%`: never throws past the boundary
    }
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

/** Lowercase, drop `;params`, empty and `.` segments, resolve `..` (RFC 3986 §5.2.4). */
function canonical(segments: readonly string[]): string {
  const out: string[] = [];
  for (const raw of segments) {
    const segment = (raw.split(';')[0] ?? '').toLowerCase();
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

const SEPARATOR = /[/\\]/;

/**
 * The spellings of `pathname` a router might act on, in canonical form (lowercase, single slashes, no dot
 * segments, no `;params`, no trailing slash): decoded before splitting (so `%2f` separates) and split
 * before decoding (so it does not). A guard protects a path when any spelling matches, so `/Admin`,
 * `/%61dmin`, `//admin/`, `/x/../admin` and `/admin;x` all count as `/admin`. `undefined` when the path
 * has malformed or over-deep percent-encoding: refuse it.
 */
export function pathSpellings(pathname: string): string[] | undefined {
  const decoded = decodeFully(pathname);
  const segments = pathname.split(SEPARATOR).map(decodeFully);
  if (decoded === undefined || segments.some((segment) => segment === undefined)) return undefined;
  return [...new Set([canonical(decoded.split(SEPARATOR)), canonical(segments as string[])])];
}

/** A route pattern: `'/admin/:path*'` (Next's matcher syntax: `:name`, `:name?`, `:name+`, `:name*`), a RegExp or a predicate. */
export type PathMatcher = string | RegExp | ((pathname: string) => boolean);

const LITERAL = /^[\w.~!$&'()+,=@-]+$/;

/**
 * Compile a matcher once; a bad one throws `TypeError` naming `where`. The result is tested against
 * the canonical, lowercase spellings of {@link pathSpellings}; string patterns and RegExps ignore case.
 */
export function compileMatcher(matcher: PathMatcher, where: string): (pathname: string) => boolean {
  if (typeof matcher === 'function') return (pathname) => matcher(pathname) === true;
  if (matcher instanceof RegExp) {
    const regexp = new RegExp(matcher.source, `${matcher.flags.replace(/[gyi]/g, '')}i`);
    return (pathname) => regexp.test(pathname);
  }
  if (typeof matcher !== 'string' || !matcher.startsWith('/')) throw new TypeError(`${where} must be a path starting with "/", a RegExp or a function`);
  const parts = matcher.split('/').slice(1).filter((part, index, all) => part !== '' || index < all.length - 1);
  let source = '';
  for (const [index, part] of parts.entries()) {
    const param = /^:\w+([?+*]?)$/.exec(part);
    const last = index === parts.length - 1;
    if (param && (param[1] === '' || param[1] === '?')) source += param[1] === '?' ? '(?:/[^/]+)?' : '/[^/]+';
    else if (param && last) source += param[1] === '+' ? '/.+' : '(?:/.*)?';
    else if (!param && part !== '' && LITERAL.test(part)) source += `/${part.toLowerCase().replace(/[.$()+]/g, '\\$&')}`;
    else throw new TypeError(`${where}: unsupported segment "${part}" in "${matcher}" (use :name, :name?, and :name+ or :name* last)`);
  }
  const regexp = new RegExp(`^${source || '/'}$`, 's'); // dotAll: a decoded %0a must not end a match early
  return (pathname) => regexp.test(pathname);
}
