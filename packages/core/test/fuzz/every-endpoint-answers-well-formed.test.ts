import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_BASES,
  Violation,
  answerOf,
  assertNoPollution,
  buildRequest,
  checkAnswer,
  clientCredentialsRequest,
  createFuzzServer,
  effectiveOf,
  expectedFor,
  fuzzParameters,
  mintLive,
  recipeArb,
  recordingLogger,
  replaying,
  tokenVerdict,
  untouched,
  within,
} from './generators.js';

// Every endpoint (token, authorize, userinfo, revocation, introspection, metadata, JWKS, unknown paths)
// under valid requests mutated in every part, then under mostly random requests.
describe('every endpoint: fuzzed requests', () => {
  const run = async (recipeOptions: Parameters<typeof recipeArb>[0], runs: number): Promise<{ runs: number; ok: number; untouched: number }> => {
    const logger = recordingLogger();
    const server = createFuzzServer(logger);
    const tally = { runs: 0, ok: 0, untouched: 0 };
    await fc.assert(
      fc.asyncProperty(recipeArb(recipeOptions), async (recipe) => {
        logger.errors.length = 0;
        const live = await mintLive(server);
        const built = buildRequest(recipe, live);
        const effective = effectiveOf(built.request);
        const response = await within(server.handle(built.request), 2000, 'handle()');
        const answer = answerOf(response);
        checkAnswer(built, effective, answer, { live });
        if (tokenVerdict(built, effective, live).mustIssue && answer.status !== 200) throw new Violation(`a valid token request was refused: ${answer.status} ${answer.body.slice(0, 300)}`);
        if (untouched(recipe)) {
          const expected = expectedFor(recipe, answer);
          if (expected !== undefined) throw new Violation(`the untouched ${recipe.base} request did not get ${expected}: ${answer.status} ${answer.body.slice(0, 300)}`);
          tally.untouched += 1;
        }
        if (logger.errors.length > 0) throw new Violation(`the server logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
        tally.runs += 1;
        if (answer.status < 300) tally.ok += 1;
      }),
      fuzzParameters(runs),
    );
    // The server keeps serving after the whole run.
    expect((await server.handle(clientCredentialsRequest())).status).toBe(200);
    return tally;
  };

  it('answers mutated valid requests of every endpoint well-formed, without secrets, never a 500', async () => {
    const tally = await run({ bases: ALL_BASES, keep: 6, clean: 1, maxMutations: 3 }, 1000);
    if (!replaying()) expect(tally.ok / tally.runs).toBeGreaterThan(0.1);
    if (!replaying()) expect(tally.untouched).toBeGreaterThan(0);
  }, 60_000);

  it('answers random requests (any method, path, headers, body) well-formed, never a 500', async () => {
    await run({ bases: ALL_BASES, keep: 1, clean: 1, maxMutations: 6 }, 600);
  }, 60_000);
});
