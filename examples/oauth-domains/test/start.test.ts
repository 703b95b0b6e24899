import { afterEach, describe, expect, it } from 'vitest';
import { basic } from './flows.js';
import { freePort, startExample, type Child } from './support.js';

let child: Child | undefined;
afterEach(async () => {
  await child?.stop();
  child = undefined;
});

describe('pnpm --filter @tollgate/example-oauth-domains start', () => {
  it('starts on PORT with ISSUER defaulting to http://localhost:<port>, issues tokens and stops on SIGTERM', async () => {
    const port = await freePort();
    child = await startExample({ PORT: String(port) }, /listening on/);
    expect(child.output()).toContain(`listening on http://localhost:${port}`);
    const base = `http://127.0.0.1:${port}`;

    const password = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic('privx-external', 'privx-external-secret'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=alice&password=alice-password&scope=privx-user connections-manual',
    });
    expect(password.status).toBe(200);
    const json = (await password.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope']);
    expect(json).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'privx-user connections-manual' });
    const payload = JSON.parse(Buffer.from(String(json.access_token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: `http://localhost:${port}`, aud: 'privx-external', domain: 'privx-external' });

    const service = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: basic('privx-service', 'privx-service-secret'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(service.status).toBe(200);

    const exitCode = await child.stop();
    child = undefined;
    expect(exitCode).toBe(0);
  });
});
