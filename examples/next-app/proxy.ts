import { createProxy } from '@tollgate/next';
import { getAuthServer } from './lib/auth';

// No `config.matcher`: the proxy sees every request and matches canonical paths itself, so `/Admin`,
// `/%61dmin` or `//admin` cannot slip past a narrower Next.js matcher.
export const proxy = createProxy({
  source: getAuthServer(),
  routes: [{ matcher: '/admin/:path*', rule: { scopes: ['orders:write'] } }],
});
