import fc from 'fast-check';
import { describe, it } from 'vitest';
import { s256Challenge } from '../../src/index.js';
import { FIRST_PARTY_ID, FORM, PATHS, REDIRECT_URI, USERNAME, Violation, answerOf, createFuzzServer, fuzzParameters, within } from './generators.js';

// Regression test (found by fuzzing; seed pinned so it reproduces).
// RFC 9110 §15.5.2: "The server generating a 401 response MUST send a WWW-Authenticate header field".
// Core commit dd0d01f made every 401 of the token-style endpoints carry a challenge, but the default
// sign-in page of the authorization endpoint still answers a wrong username or password with
// 401 + text/html and no WWW-Authenticate (endpoints/authorize.ts: `signIn(target, 401, …)`).
// Minimal counterexample: POST /oauth/authorize with the page's own tollgate_action/tollgate_request, its
// CSRF cookie, username=alice and any wrong password → 401 without WWW-Authenticate.
// Fix: answer the re-rendered form with 200 (or 400/422) — a form sign-in is not an HTTP authentication
// scheme — or, if 401 is kept, add a challenge.
describe('authorization endpoint: failed sign-in', () => {
  it('never answers 401 without a challenge', async () => {
    const server = createFuzzServer();
    const url = `${PATHS.authorize}?${new URLSearchParams({ response_type: 'code', client_id: FIRST_PARTY_ID, redirect_uri: REDIRECT_URI, scope: 'a', code_challenge: s256Challenge('v'.repeat(43)), code_challenge_method: 'S256' })}`;
    const page = answerOf(await server.handle({ method: 'GET', url, headers: { accept: 'text/html' } }));
    const hidden = Object.fromEntries([...page.body.matchAll(/name="(tollgate_[a-z]+)" value="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    const csrf = (page.cookies[0] ?? '').split(';')[0] ?? '';
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12 }), async (password) => {
        const body = new URLSearchParams({ ...hidden, username: USERNAME, password }).toString();
        const answer = answerOf(await within(server.handle({ method: 'POST', url: PATHS.authorize, headers: { 'content-type': FORM, cookie: csrf }, body })));
        if (answer.status === 401 && answer.headers['www-authenticate'] === undefined) throw new Violation(`401 without WWW-Authenticate for a failed sign-in (password ${JSON.stringify(password)})`);
      }),
      fuzzParameters(50, { seed: 1 }),
    );
  });
});
