import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startExample, type Child } from './support.js';

let child: Child | undefined;
afterEach(async () => {
  await child?.stop();
  child = undefined;
});

describe('pnpm --filter @tollgate/example-api-key-tokens start', () => {
  it('starts on PORT, issues a token for the demo key and a key from ACS_API_KEYS, and stops on SIGTERM', async () => {
    const port = await freePort();
    child = await startExample({ PORT: String(port), ACS_API_KEYS: 'ops-key-1, ops-key-2' }, /listening on/);
    expect(child.output()).toContain(`listening on http://localhost:${port}`);

    for (const key of ['demo-acs-api-key', 'ops-key-2']) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/authTokens`, {
        method: 'POST',
        headers: { 'acs-api-key': key, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=userid:1234 role:admin',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ token_type: 'acs-oauth', expires_in: 3600, scope: 'userid:1234 role:admin' });
    }
    const wrong = await fetch(`http://127.0.0.1:${port}/v1/authTokens`, { method: 'POST', headers: { 'acs-api-key': 'nope', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(wrong.status).toBe(401);

    const exitCode = await child.stop();
    child = undefined;
    expect(exitCode).toBe(0);
  });
});
