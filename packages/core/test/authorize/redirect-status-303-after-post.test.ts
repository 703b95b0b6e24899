import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, expectCodeRedirect, expectErrorRedirect, makeServer, signedInBrowser } from './helpers.js';

// RFC 9700 §4.12: after a POST, a 307 would make the browser re-POST the credentials to the client; always 303.
describe('redirect status', () => {
  it('GET answers with 302 by default', async () => {
    const server = makeServer();
    expectCodeRedirect(await (await signedInBrowser(server)).get(authorizeUrl(authParams('first'))), { status: 302 });
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', { response_type: 'token' }))), 'unsupported_response_type', { status: 302 });
  });

  it.each([303, 307] as const)('GET answers with the configured status %s', async (redirectStatus) => {
    const server = makeServer({ authorize: { redirectStatus } });
    expectCodeRedirect(await (await signedInBrowser(server)).get(authorizeUrl(authParams('first'))), { status: redirectStatus });
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', { response_type: 'token' }))), 'unsupported_response_type', { status: redirectStatus });
  });

  describe.each([302, 307] as const)('with redirectStatus %s, every redirect after a POST is 303', (redirectStatus) => {
    const server = makeServer({ authorize: { redirectStatus } });

    it('a POSTed authorization request (error)', async () => {
      const response = await new Browser(server).post('/oauth/authorize', authParams('spa', { response_type: 'token' }));
      expectErrorRedirect(response, 'unsupported_response_type', { status: 303 });
    });

    it('a POSTed authorization request (code)', async () => {
      const browser = await signedInBrowser(server);
      const response = await browser.post('/oauth/authorize', authParams('first'));
      expectCodeRedirect(response, { status: 303 });
    });

    it('the sign-in form', async () => {
      const browser = new Browser(server);
      const response = await browser.signIn(await browser.get(authorizeUrl(authParams('first'))));
      expectCodeRedirect(response, { status: 303 });
    });

    it('the consent form (approve and deny)', async () => {
      const browser = new Browser(server);
      const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))));
      expect(consent.status).toBe(200);
      expectErrorRedirect(await browser.submit(consent, { decision: 'deny' }), 'access_denied', { status: 303 });
      expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { status: 303 });
    });
  });
});
