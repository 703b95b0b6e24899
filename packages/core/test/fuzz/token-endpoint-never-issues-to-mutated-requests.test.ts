import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TOKEN_BASES,
  Violation,
  answerOf,
  assertNoPollution,
  buildRequest,
  checkAnswer,
  clientCredentialsRequest,
  createFuzzServer,
  effectiveOf,
  fuzzParameters,
  mintLive,
  recipeArb,
  recordingLogger,
  replaying,
  tokenVerdict,
  within,
} from './generators.js';

// RFC 6749 §2.3, §3.2, §4: a token only for the exact client credentials and an exact, unused grant.
// Valid requests of every grant and client-authentication method are mutated (repeated, bracketed and
// pollution keys, broken percent-encoding, NUL, lone surrogates, huge values, invalid UTF-8, odd content
// types and Authorization headers, secrets in the query) and each answer is judged by `tokenVerdict`.
describe('token endpoint: mutated requests', () => {
  it('never issues a token to a request with changed credentials or grant, and always answers well-formed', async () => {
    const logger = recordingLogger();
    const server = createFuzzServer(logger);
    const tally = { runs: 0, issued: 0, required: 0 };
    await fc.assert(
      fc.asyncProperty(recipeArb({ bases: TOKEN_BASES, keep: 10, maxMutations: 3 }), async (recipe) => {
        logger.errors.length = 0;
        const live = await mintLive(server);
        const built = buildRequest(recipe, live);
        const effective = effectiveOf(built.request);
        const response = await within(server.handle(built.request), 2000, 'handle()');
        const answer = answerOf(response);
        checkAnswer(built, effective, answer, { live });
        const verdict = tokenVerdict(built, effective, live);
        if (verdict.mustIssue && answer.status !== 200) throw new Violation(`a valid request was refused: ${answer.status} ${answer.body.slice(0, 300)}`);
        if (logger.errors.length > 0) throw new Violation(`the server logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
        tally.runs += 1;
        if (answer.status === 200) tally.issued += 1;
        if (verdict.mustIssue) tally.required += 1;
      }),
      fuzzParameters(800),
    );
    // The generator must reach the interesting region: valid requests, some of them barely changed.
    if (!replaying()) expect(tally.issued / tally.runs).toBeGreaterThan(0.1);
    if (!replaying()) expect(tally.required).toBeGreaterThan(0);
    expect((await server.handle(clientCredentialsRequest())).status).toBe(200);
  }, 60_000);
});
