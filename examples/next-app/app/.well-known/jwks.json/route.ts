import { handlers } from '@tollgate/next';
import { getAuthServer } from '../../../lib/auth';

// The public signing keys; `dynamic` keeps `next build` from freezing a build-time key set into the output.
export const dynamic = 'force-dynamic';
export const { GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS } = handlers(getAuthServer());
