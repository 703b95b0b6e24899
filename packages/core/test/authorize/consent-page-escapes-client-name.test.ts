import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, expectConsentPage, makeServer } from './helpers.js';

// A client's name is attacker-controlled in dynamic registration setups: it must never become markup.
describe('HTML escaping on the default pages', () => {
  const server = makeServer();

  it('a client name containing <script> is escaped on the consent page', async () => {
    const browser = new Browser(server);
    const signIn = await browser.get(authorizeUrl(authParams('evil-name')));
    expect(signIn.body).not.toContain('<script>alert');
    expect(signIn.body).not.toContain('<img src=x');
    const consent = await browser.signIn(signIn);
    expectConsentPage(consent);
    expect(consent.body).not.toContain('<script>');
    expect(consent.body).not.toContain('<img src=x');
    expect(consent.body).not.toMatch(/<script/i);
    expect(consent.body).toContain('&#60;script&#62;alert(&#34;pwned&#34;)&#60;/script&#62;');
  });

  it('parameterised scope values shown on the consent page are escaped', async () => {
    const scoped = makeServer({
      scopes: ['openid', { name: 'note', parameter: () => true, claim: false }],
      clients: [{ id: 'n', grantTypes: ['authorization_code'], scopes: ['openid', 'note'], redirectUris: ['https://app.example.com/callback'] }],
    });
    const browser = new Browser(scoped);
    const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('n', { scope: 'openid note:<b>bold</b>' }))));
    expectConsentPage(consent);
    expect(consent.body).not.toContain('<b>bold</b>');
    expect(consent.body).toContain('note:&#60;b&#62;bold&#60;/b&#62;');
  });
});
