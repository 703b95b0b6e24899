import { fileURLToPath } from 'node:url';
import { startExample as start, type Child } from '@tollgate/test-kit/examples';

export { documentJson, freePort, jwtPart, listen, memoryLogger, rawRequest, type Child, type RawResponse, type Running } from '@tollgate/test-kit/examples';

/** The example's own directory: where `pnpm --filter <name> start` runs. */
export const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** Start this example for real, as `pnpm start` would. */
export const startExample = (env: Record<string, string>, ready: RegExp): Promise<Child> => start(exampleDir, env, ready);
