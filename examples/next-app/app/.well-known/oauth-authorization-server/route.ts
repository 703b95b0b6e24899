import { handlers } from '@tollgate/next';
import { getAuthServer } from '../../../lib/auth';

// RFC 8414 metadata.
export const dynamic = 'force-dynamic';
export const { GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS } = handlers(getAuthServer());
