import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tollgate } from '@tollgate/express';
import { basic, FORM, makeServer, serve, SERVICE } from './helpers.js';

const server = makeServer();
const auth = { authorization: basic(SERVICE.id, SERVICE.secret) };

describe('express.json() and express.urlencoded({ extended: true }) installed globally before the router', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const instance = express();
    instance.use(express.json());
    instance.use(express.urlencoded({ extended: true }));
    instance.use(tollgate(server));
    instance.post('/echo', (req, res) => void res.json({ body: req.body as unknown }));
    app = await serve(instance);
  });
  afterAll(() => app.close());

  const token = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(app.url('/oauth/token'), { method: 'POST', headers: { 'content-type': FORM, ...auth, ...headers }, body });

  it('still issues a token from the form the parser consumed', async () => {
    const response = await token('grant_type=client_credentials&scope=orders%3Awrite');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', scope: 'orders:write' });
  });

  it('still refuses a repeated parameter (the parsed array is turned back into repeats)', async () => {
    const response = await token('grant_type=client_credentials&scope=orders:read&scope=orders:write');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/scope.*repeated/) });
  });

  it('still refuses qs-style array brackets as repeats', async () => {
    const response = await token('grant_type=client_credentials&scope[]=orders:read&scope[]=orders:write');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('keeps a[b] an ordinary name: qs nesting never reaches the core as an object', async () => {
    const response = await token('grant_type=client_credentials&scope[x]=orders:write');
    expect(response.status).toBe(200);
    // `scope[x]` is an unknown parameter, so the client's default scope applies.
    expect(await response.json()).toMatchObject({ scope: 'orders:read' });
  });

  it('keeps a nested grant_type[...] from being read as grant_type', async () => {
    const response = await token('grant_type[a]=client_credentials');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('grant_type') });
  });

  it('still refuses a JSON body, even though express.json() parsed it', async () => {
    const response = await token(JSON.stringify({ grant_type: 'client_credentials' }), { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('leaves the app’s own routes their parsed bodies', async () => {
    const json = await fetch(app.url('/echo'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":{"b":1}}' });
    expect(await json.json()).toEqual({ body: { a: { b: 1 } } });
    const form = await fetch(app.url('/echo'), { method: 'POST', headers: { 'content-type': FORM }, body: 'a[b]=1' });
    expect(await form.json()).toEqual({ body: { a: { b: '1' } } });
  });
});

describe.each([
  ['express.raw({ type: "*/*" })', express.raw({ type: '*/*' })],
  ['express.text({ type: "*/*" })', express.text({ type: '*/*' })],
])('%s installed globally before the router', (_name, parser) => {
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const instance = express();
    instance.use(parser);
    instance.use(tollgate(server));
    app = await serve(instance);
  });
  afterAll(() => app.close());

  it('hands the exact bytes to the core', async () => {
    const ok = await fetch(app.url('/oauth/token'), { method: 'POST', headers: { 'content-type': FORM, ...auth }, body: 'grant_type=client_credentials' });
    expect(ok.status).toBe(200);
    const repeated = await fetch(app.url('/oauth/token'), { method: 'POST', headers: { 'content-type': FORM, ...auth }, body: 'grant_type=client_credentials&grant_type=client_credentials' });
    expect(repeated.status).toBe(400);
  });
});
