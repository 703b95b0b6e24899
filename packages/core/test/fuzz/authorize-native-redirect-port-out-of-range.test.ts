import fc from 'fast-check';
import { describe, it } from 'vitest';
import { NATIVE_ID, Violation, answerOf, buildRequest, checkAnswer, createFuzzServer, effectiveOf, fuzzParameters, mintLive, recordingLogger, within, type Recipe } from './generators.js';
import { s256Challenge } from '../../src/index.js';

// Regression test (found by fuzzing; seed pinned so it reproduces).
// RFC 8252 §7.3 lets a native client's loopback redirect URI differ in port. endpoints/authorize.ts checks
// the port with LOOPBACK_PORT = /…(?::\d{1,5})?…/, which admits 65536–99999; the URI is then trusted, and
// `new URL(target.redirectUri)` throws "Invalid URL" in redirect() or pageHeaders(): the authorization
// endpoint answers 500 server_error (logged as "authorize endpoint: unexpected error") instead of refusing
// the request. Minimal counterexample:
//   GET /oauth/authorize?response_type=code&client_id=fuzz-native&redirect_uri=http%3A%2F%2F127.0.0.1%3A65536%2Fcb
//       &code_challenge=<S256>&code_challenge_method=S256                                   → 500
// Fix: in loopbackMatch (or validateRequest) also require the presented URI to parse, e.g.
//   if (!URL.canParse(presented)) return false;   // or: port ≤ 65535
const challenge = s256Challenge('v'.repeat(43));

describe('authorization endpoint: native loopback redirect ports', () => {
  it('refuses or serves every loopback port without a 500', async () => {
    const logger = recordingLogger();
    const server = createFuzzServer(logger);
    const live = await mintLive(server);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 99_999 }),
        fc.constantFrom('127.0.0.1', '[::1]'),
        fc.constantFrom('GET', 'POST'),
        fc.constantFrom(undefined, 'none', 'login'),
        fc.constantFrom('code', 'token'),
        async (port, host, method, prompt, responseType) => {
          logger.errors.length = 0;
          const pairs = { response_type: responseType, client_id: NATIVE_ID, redirect_uri: `http://${host}:${port}/cb`, code_challenge: challenge, code_challenge_method: 'S256', state: 's', ...(prompt ? { prompt } : {}) };
          const form = new URLSearchParams(pairs).toString();
          const recipe = { base: 'authorize-native', method, urlForm: 'path', contentType: 'base', extraHeaders: [], headersAs: 'record', formMutations: [], query: [], queryMutations: [], body: { as: 'string' }, randomBody: undefined, path: undefined, auth: undefined } as Recipe;
          const built = buildRequest(recipe, live);
          built.request = method === 'GET' ? { method, url: `/oauth/authorize?${form}`, headers: {} } : { method, url: '/oauth/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form };
          const response = await within(server.handle(built.request));
          checkAnswer(built, effectiveOf(built.request), answerOf(response), { live });
          if (logger.errors.length > 0) throw new Violation(`logged: ${logger.errors[0]?.slice(0, 200)}`);
        },
      ),
      fuzzParameters(300, { seed: 1 }),
    );
  });
});
