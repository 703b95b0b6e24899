import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { app } from './readme-example.js';
import { serve } from './helpers.js';

describe('README example', () => {
  it('is the README snippet, verbatim', () => {
    const source = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
    const region = /\/\/ #region readme\n([\s\S]*?)\/\/ #endregion readme/.exec(source)?.[1];
    expect(region).toBeDefined();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('```ts\n' + (region ?? '') + '```');
  });

  it('issues a token and protects /api/orders', async () => {
    const running = await serve(app);
    try {
      expect((await fetch(running.url('/api/orders'))).status).toBe(401);
      const tokenResponse = await fetch(running.url('/oauth/token'), {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('reports:reports-secret').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
      });
      const { access_token } = (await tokenResponse.json()) as { access_token: string };
      const orders = await fetch(running.url('/api/orders'), { headers: { authorization: `Bearer ${access_token}` } });
      expect(orders.status).toBe(200);
      expect(await orders.json()).toEqual({ orders: [], client: 'reports' });
    } finally {
      await running.close();
    }
  });
});
