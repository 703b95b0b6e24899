// Property-based fuzzing of the Fastify plugin over real HTTP (raw sockets): the core suite's generators
// and oracles (../../core/test/fuzz), sent to `app.register(tollgate, { server })` and a route guarded by
// `onRequest: app.tollgate.protect({ scopes: ['a'] })`. Replay with FUZZ_SEED / FUZZ_PATH, soak with
// FUZZ_RUNS (see generators.ts).
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_BASES,
  GUARD_PATH,
  ISSUER,
  Violation,
  assertNoPollution,
  buildGuardRequest,
  buildRequest,
  checkAnswer,
  clientCredentialsRequest,
  createFuzzServer,
  expectedFor,
  fuzzParameters,
  guardRecipeArb,
  judgeGuardAnswer,
  mintGuardTokens,
  mintLive,
  presentedTokens,
  recipeArb,
  recordingLogger,
  replaying,
  sameToken,
  tokenVerdict,
  untouched,
  within,
  type Answer,
  type GuardTokens,
  type RecipeOptions,
} from '../../core/test/fuzz/generators.js';
import { NODE_METHODS, coreRequestOfWire, effectiveOfWire, isNodeParserAnswer, sendWire, toWire } from '../../core/test/fuzz/wire.js';
import { tollgate } from '../src/index.js';

const logger = recordingLogger();
const server = createFuzzServer(logger);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
let app: FastifyInstance;
let port: number;
let zoo: GuardTokens;

beforeAll(async () => {
  app = Fastify();
  await app.register(tollgate, { server, protect: { logger } });
  app.route({
    method: [...METHODS],
    url: GUARD_PATH,
    onRequest: app.tollgate.protect({ scopes: ['a'] }),
    handler: async (request) => ({ jti: request.auth?.jti }),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
  zoo = await mintGuardTokens(server);
});

afterAll(async () => {
  await app.close();
});

/** A Fastify error body: `{ statusCode, error, message }`, and `code` (e.g. FST_ERR_CTP_INVALID_MEDIA_TYPE) for its own errors. */
function fastifyError(answer: Answer): { statusCode: number; message: string; code?: string } | undefined {
  if (!/^application\/json/.test(answer.headers['content-type'] ?? '') || answer.status < 400) return undefined;
  // HEAD: no body to read, but every Tollgate error carries Cache-Control: no-store and Fastify's never do.
  if (answer.body === '') return answer.headers['cache-control'] === undefined ? { statusCode: answer.status, message: '' } : undefined;
  try {
    const body = JSON.parse(answer.body) as { statusCode?: unknown; message?: unknown; code?: unknown };
    if (body.statusCode !== answer.status || typeof body.message !== 'string') return undefined;
    return { statusCode: answer.status, message: body.message, ...(typeof body.code === 'string' ? { code: body.code } : {}) };
  } catch {
    return undefined;
  }
}

const isFastifyError = (answer: Answer): boolean => fastifyError(answer) !== undefined;

/**
 * Answers that are not Tollgate's: Node's parser refusing what is not HTTP, Node closing a CONNECT it has
 * no listener for, and Fastify's own 4xx (404 for unrouted paths and methods, 400 for a URL it cannot
 * decode, 415/413/400 from its body parsers on the app's routes). Never a 5xx.
 */
function frameworkAnswer(method: string) {
  return (answer: Answer): boolean => {
    const framework = !NODE_METHODS.has(method) || isNodeParserAnswer(answer) || (answer.status === 0 && method === 'CONNECT') || isFastifyError(answer);
    if (framework && answer.status >= 500) throw new Violation(`the framework answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    return framework;
  };
}

async function keepsServing(): Promise<void> {
  const request = clientCredentialsRequest();
  const answer = await within(sendWire(port, toWire(request, Object.entries(request.headers as Record<string, string>), false)), 2000, 'HTTP request');
  expect(answer.status).toBe(200);
}

const endpointProperty = (options: RecipeOptions, tally: { runs: number; served: number }) =>
  fc.asyncProperty(recipeArb(options), fc.boolean(), async (recipe, chunked) => {
    logger.errors.length = 0;
    const live = await mintLive(server);
    const built = buildRequest(recipe, live);
    const wire = toWire(built.request, built.headerPairs, chunked);
    const effective = effectiveOfWire(wire);
    const answer = await within(sendWire(port, wire), 2000, 'HTTP request');
    const isFramework = frameworkAnswer(wire.method);
    checkAnswer(built, effective, answer, { live, frameworkAnswer: isFramework });
    if (!isFramework(answer)) {
      if (tokenVerdict(built, effective, live).mustIssue && answer.status !== 200) throw new Violation(`a valid token request was refused over HTTP: ${answer.status} ${answer.body.slice(0, 300)}`);
      if (untouched(recipe) && !chunked) {
        const expected = expectedFor(recipe, answer);
        if (expected !== undefined) throw new Violation(`the untouched ${recipe.base} request did not get ${expected} over HTTP: ${answer.status} ${answer.body.slice(0, 300)}`);
      }
      if (answer.status < 300) tally.served += 1;
    } else if (answer.status === 404 && isFastifyError(answer) && server.route(wire.target.split('?')[0] ?? '') !== undefined && (METHODS as readonly string[]).includes(wire.method)) {
      // Fastify's router does not normalise `/oauth/./token` (fail closed, fine), but an exact route must reach Tollgate.
      throw new Violation(`Fastify answered 404 for ${wire.method} ${wire.target.slice(0, 80)}, a Tollgate route`);
    }
    if (logger.errors.length > 0) throw new Violation(`the server logged an unexpected error: ${logger.errors.join('; ')}`);
    assertNoPollution();
    tally.runs += 1;
  });

describe('Fastify plugin over HTTP: fuzzed requests', () => {
  it('answers mutated valid requests of every endpoint well-formed, never a 5xx, never a token for a changed request', async () => {
    const tally = { runs: 0, served: 0 };
    await fc.assert(endpointProperty({ bases: ALL_BASES, keep: 6, clean: 1, maxMutations: 3 }, tally), fuzzParameters(200));
    if (!replaying()) expect(tally.served / tally.runs).toBeGreaterThan(0.05);
    await keepsServing();
  }, 60_000);

  it('answers random requests well-formed, never a 5xx', async () => {
    await fc.assert(endpointProperty({ bases: ALL_BASES, keep: 1, clean: 1, maxMutations: 6 }, { runs: 0, served: 0 }), fuzzParameters(150));
    await keepsServing();
  }, 60_000);

  it('lets a protected route run only for an issued token with scope a', async () => {
    const admissible = [...zoo.accepted.values(), zoo.revoked];
    await fc.assert(
      fc.asyncProperty(guardRecipeArb, fc.boolean(), async (recipe, chunked) => {
        logger.errors.length = 0;
        const built = buildGuardRequest(recipe, zoo);
        const wire = toWire(built.request, built.headerPairs, chunked);
        const answer = await within(sendWire(port, wire), 2000, 'HTTP request');
        const seen = coreRequestOfWire(wire);
        if (!frameworkAnswer(wire.method)(answer)) {
          judgeGuardAnswer(answer, recipe, seen, built.contentTypeOk, zoo, built.presented, ISSUER);
        } else if (fastifyError(answer)?.code?.startsWith('FST_ERR_CTP') === true) {
          // onRequest runs before body parsing: a body parser's error means the token was already accepted.
          const header = presentedTokens(seen, built.contentTypeOk).header;
          if (header.length !== 1 || !admissible.some((token) => sameToken(token, header[0] as string))) throw new Violation(`Fastify answered ${answer.status} for a request whose token was never checked`);
        }
        if (logger.errors.length > 0) throw new Violation(`the protector logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
      }),
      fuzzParameters(200),
    );
    await keepsServing();
  }, 60_000);
});
