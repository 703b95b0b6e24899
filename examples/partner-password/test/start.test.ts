import { afterEach, describe, expect, it } from 'vitest';
import { PARTNER_CLIENT_ID } from '../src/auth-server.js';
import { freePort, startExample, type Child } from './support.js';

let child: Child | undefined;
afterEach(async () => {
  await child?.stop();
  child = undefined;
});

describe('pnpm --filter @tollgate/example-partner-password start', () => {
  it('starts on PORT, answers the document\'s token and userinfo requests, and stops on SIGTERM', async () => {
    const port = await freePort();
    child = await startExample({ PORT: String(port) }, /listening on/);
    expect(child.output()).toContain(`listening on http://localhost:${port}`);
    const base = `http://127.0.0.1:${port}`;

    const token = await fetch(`${base}/oauth/token?partnerId=10000`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${PARTNER_CLIENT_ID}&grant_type=password&email=client1@company.com&password=partner-demo-password`,
    });
    expect(token.status).toBe(200);
    const json = (await token.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['access_token', 'token_type', 'expires_in']);
    expect(json).toMatchObject({ token_type: 'Bearer', expires_in: 43200 });

    const info = await fetch(`${base}/oauth/userinfo`, { headers: { authorization: `Bearer ${String(json.access_token)}` } });
    expect(await info.json()).toEqual({ agentId: 'f9683b7b-e332-4864-b725-ac6cdc207dbd', siteId: 10115, role: 'AGENT' });

    const exitCode = await child.stop();
    child = undefined;
    expect(exitCode).toBe(0);
  });
});
