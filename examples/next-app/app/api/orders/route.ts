import { withAuth } from '@tollgate/next';
import { getAuthServer } from '../../../lib/auth';

export const dynamic = 'force-dynamic';

/** The caller's orders: needs a token with `orders:read`. */
export const GET = withAuth(getAuthServer(), { scopes: ['orders:read'] }, (_request, { auth }) =>
  Response.json({ client: auth.client_id, orders: [{ id: 'A-1001', total: 42 }] }),
);
