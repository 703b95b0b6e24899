import { describe, expect, it } from 'vitest';
import { basic, call, expectError, makeServer, SERVICE_SECRET } from '../helpers.js';

const BODY = 'grant_type=client_credentials';

function send(contentType: string | undefined, body: string = BODY) {
  const server = makeServer();
  const headers: Record<string, string> = { authorization: basic('service', SERVICE_SECRET) };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return call(server, { headers, body });
}

describe('request content type (RFC 6749 §3.2: application/x-www-form-urlencoded)', () => {
  it('application/json → 400 invalid_request, even with a JSON body naming a grant', async () => {
    expectError(await send('application/json', JSON.stringify({ grant_type: 'client_credentials' })), 400, 'invalid_request');
  });

  it('text/plain → 400', async () => {
    expectError(await send('text/plain'), 400, 'invalid_request');
  });

  it('multipart/form-data → 400', async () => {
    expectError(await send('multipart/form-data; boundary=x'), 400, 'invalid_request');
  });

  it('missing content type → 400', async () => {
    expectError(await send(undefined), 400, 'invalid_request');
  });

  it('a look-alike type → 400', async () => {
    expectError(await send('application/x-www-form-urlencoded-evil'), 400, 'invalid_request');
    expectError(await send('application/x-www-form-urlencoded, application/json'), 400, 'invalid_request');
  });

  it('charset=iso-8859-1 → 400', async () => {
    expectError(await send('application/x-www-form-urlencoded; charset=iso-8859-1'), 400, 'invalid_request');
  });

  it.each([
    'application/x-www-form-urlencoded',
    'Application/X-WWW-Form-Urlencoded; Charset=UTF-8',
    'application/x-www-form-urlencoded;charset=utf-8',
    'application/x-www-form-urlencoded; charset="UTF-8"',
    '  application/x-www-form-urlencoded  ',
  ])('%s is accepted', async (contentType) => {
    const result = await send(contentType);
    expect(result.status, result.body).toBe(200);
    expect(result.json.access_token).toBeTypeOf('string');
  });

  it('reads the header case-insensitively from a plain record', async () => {
    const server = makeServer();
    const result = await call(server, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic('service', SERVICE_SECRET) }, body: BODY });
    expect(result.status, result.body).toBe(200);
  });
});
