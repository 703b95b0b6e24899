import fc from 'fast-check';
import { describe, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, FORM, PATHS, PUBLIC_ID, Violation, createFuzzServer, fuzzParameters, within } from './generators.js';

// Regression test (found by fuzzing; seed pinned so it reproduces).
// RFC 6749 §2.3: a client MUST NOT use more than one authentication method, and Basic credentials that do
// not parse are an invalid_client (the server does so for `Basic xyz`). client-auth/basic.ts matches the
// scheme with /^basic(?: +(.*))?$/i, whose `.` stops at a line terminator (\n, \r, U+2028, U+2029): such a
// header is taken for "another scheme" and ignored, so body credentials (client_secret_post) or a public
// client_id win. Minimal counterexample (in-process; Node's HTTP parser refuses CR/LF in headers):
//   handle({ method: 'POST', url: '/oauth/token', headers: { authorization: 'Basic abc\ndef', 'content-type': FORM },
//            body: 'grant_type=client_credentials&client_id=fuzz-client&client_secret=…' })      → 200 (expected 401)
// Fix: match the rest with [\s\S]* (as verify/bearer.ts's CREDENTIALS does): /^basic(?: +([\s\S]*))?$/i.
const TERMINATORS = ['\n', '\r', '\r\n', '\u2028', '\u2029'];

describe('client authentication: malformed Basic headers', () => {
  it('refuses a Basic header it cannot parse instead of ignoring it', async () => {
    const server = createFuzzServer();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 8 }),
        fc.constantFrom(...TERMINATORS),
        fc.string({ maxLength: 8 }),
        fc.constantFrom('post', 'public'),
        async (before, terminator, after, method) => {
          const authorization = `Basic ${before}${terminator}${after}`;
          const body = method === 'post' ? `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}` : `grant_type=authorization_code&client_id=${PUBLIC_ID}&code=unknown-code-0123456789`;
          const response = await within(server.handle({ method: 'POST', url: PATHS.token, headers: { authorization, 'content-type': FORM }, body }));
          const error = response.status === 200 ? 'none' : (JSON.parse(response.body) as { error: string }).error;
          if (error !== 'invalid_client' && error !== 'invalid_request') throw new Violation(`a malformed Basic header was ignored: ${response.status} ${error} for ${JSON.stringify(authorization)}`);
        },
      ),
      fuzzParameters(200, { seed: 1 }),
    );
  });
});
