import { handlers } from '@tollgate/next';
import { getAuthServer } from '../../../lib/auth';

// Token, revocation and introspection endpoints: the core routes by path and answers 404/405 itself.
export const dynamic = 'force-dynamic';
export const { GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS } = handlers(getAuthServer());
