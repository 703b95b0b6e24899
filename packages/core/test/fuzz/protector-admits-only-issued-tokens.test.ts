import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProtector, type AuthenticateResult } from '../../src/index.js';
import {
  GUARD_PATH,
  ISSUER,
  Violation,
  answerOf,
  assertNoPollution,
  buildGuardRequest,
  checkGuardRefusal,
  clientCredentialsRequest,
  createFuzzServer,
  expectedGuardOutcome,
  fuzzParameters,
  guardRecipeArb,
  jtiOf,
  mintGuardTokens,
  presentedTokens,
  recordingLogger,
  replaying,
  sameToken,
  within,
  type GuardRecipe,
  type GuardTokens,
} from './generators.js';

/** Check one guard result against the token zoo. */
export function judgeGuard(result: AuthenticateResult, recipe: GuardRecipe, built: ReturnType<typeof buildGuardRequest>, zoo: GuardTokens, options: { checksRevocation: boolean; methods: readonly string[]; realm: string }): void {
  const admissible = [...zoo.accepted.values(), ...(options.checksRevocation ? [] : [zoo.revoked])];
  if (result.ok) {
    // The claims must be those of a token the server issued with scope `a` (compared by jti, then by token).
    const jti = result.auth.jti;
    if (!admissible.some((token) => jtiOf(token) === jti)) throw new Violation(`ok:true for jti ${String(jti)}, not a token the test issued`);
    if (!result.scopes.includes('a')) throw new Violation('ok:true without scope a');
    const seen = presentedTokens(built.request, built.contentTypeOk);
    const used = seen[result.method];
    if (!options.methods.includes(result.method) || used.length !== 1) throw new Violation(`ok:true through ${result.method}, which this guard does not accept or the request did not use exactly once`);
    if (!admissible.some((token) => sameToken(token, used[0] as string))) throw new Violation('ok:true for a presented token that is not an issued one');
    const ways = options.methods.filter((method) => seen[method as keyof typeof seen].length > 0);
    if (ways.length > 1) throw new Violation(`ok:true for a token sent in more than one way (RFC 6750 §2): ${ways.join(', ')}`);
  } else {
    checkGuardRefusal(answerOf(result.response), built.presented, options.realm, built.request.method);
  }
  const clean = options.methods.length === 1 || (recipe.queryExtra === '' && recipe.queryToken === undefined && recipe.bodyToken === undefined && (recipe.method.toUpperCase() === 'GET' || recipe.body.as === 'none'));
  const expected = clean ? expectedGuardOutcome(recipe, options.checksRevocation) : undefined;
  if (expected === 'ok' && !result.ok) throw new Violation(`a valid token was refused: ${result.response.status} ${result.response.headers['WWW-Authenticate']}`);
  if (expected !== undefined && expected !== 'ok') {
    const challenge = result.ok ? '' : (result.response.headers['WWW-Authenticate'] ?? '');
    if (!challenge.includes(`error="${expected}"`)) throw new Violation(`expected ${expected}, got ${result.ok ? 'ok:true' : challenge}`);
  }
}

// RFC 6750 + RFC 9068 §4: a protected route admits only a verified token the server issued, with the
// required scope; every refusal is a well-formed challenge. Header-only (the default, no revocation check)
// and header + body + query with revocation checks.
describe('protector: fuzzed bearer requests', () => {
  it('admits only issued tokens with scope a, and refuses everything else with a well-formed RFC 6750 challenge', async () => {
    const logger = recordingLogger();
    const server = createFuzzServer(logger);
    const zoo = await mintGuardTokens(server);
    const plain = createProtector({ server }, { logger }).guard({ scopes: ['a'] });
    const strict = createProtector({ server, checkRevocation: true }, { bearer: { body: true, query: true }, logger }).guard({ scopes: ['a'] });
    const tally = { ok: 0, runs: 0 };
    await fc.assert(
      fc.asyncProperty(guardRecipeArb, async (recipe) => {
        logger.errors.length = 0;
        const built = buildGuardRequest(recipe, zoo);
        const plainResult = await within(plain(built.request), 2000, 'plain guard');
        judgeGuard(plainResult, recipe, built, zoo, { checksRevocation: false, methods: ['header'], realm: ISSUER });
        const strictResult = await within(strict(built.request), 2000, 'strict guard');
        judgeGuard(strictResult, recipe, built, zoo, { checksRevocation: true, methods: ['header', 'query', 'body'], realm: ISSUER });
        if (logger.errors.length > 0) throw new Violation(`the protector logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
        tally.runs += 1;
        if (plainResult.ok) tally.ok += 1;
      }),
      fuzzParameters(1000),
    );
    if (!replaying()) expect(tally.ok / tally.runs).toBeGreaterThan(0.05);
    const still = await plain({ method: 'GET', url: GUARD_PATH, headers: { authorization: `Bearer ${zoo.accepted.get('cc-a')}` } });
    expect(still.ok).toBe(true);
    expect((await server.handle(clientCredentialsRequest())).status).toBe(200);
  }, 60_000);
});
