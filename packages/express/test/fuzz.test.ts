// Property-based fuzzing of the Express adapter over real HTTP (raw sockets): the core suite's generators
// and oracles (../../core/test/fuzz), sent to `tollgate(server)` and `protect(server, { scopes: ['a'] })`.
// Replay a failure with FUZZ_SEED / FUZZ_PATH, or soak with FUZZ_RUNS (see generators.ts).
import express from 'express';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  recipeArb,
  recordingLogger,
  replaying,
  tokenVerdict,
  untouched,
  within,
  type Answer,
  type Effective,
  type GuardTokens,
  type RecipeOptions,
} from '../../core/test/fuzz/generators.js';
import { NODE_METHODS, coreRequestOfWire, effectiveOfWire, isNodeParserAnswer, sendWire, toWire } from '../../core/test/fuzz/wire.js';
import { protect, tollgate } from '../src/index.js';

const logger = recordingLogger();
const server = createFuzzServer(logger);
const servers: Server[] = [];
/** The app as the README shows it: tollgate(server) and a protected route, nothing else. */
let port: number;
/** The same behind express.urlencoded({ extended: true }) and express.json(): the adapter rebuilds the form. */
let parsedPort: number;
let zoo: GuardTokens;

async function listen(parsers: boolean): Promise<number> {
  const app = express();
  if (parsers) app.use(express.urlencoded({ extended: true }), express.json());
  app.use(tollgate(server));
  app.all(GUARD_PATH, protect(server, { scopes: ['a'] }, { logger }), (req, res) => {
    res.json({ jti: req.auth?.jti });
  });
  const http = createServer(app);
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
}

beforeAll(async () => {
  port = await listen(false);
  parsedPort = await listen(true);
  zoo = await mintGuardTokens(server);
});

afterAll(async () => {
  await Promise.all(servers.map((http) => new Promise((resolve) => http.close(resolve))));
});

/**
 * Answers that are not Tollgate's: Node's parser refusing what is not HTTP (a method it does not know, a
 * bad request line or header byte, headers over 16 KiB), Node closing a CONNECT without answering (no
 * 'connect' listener), and Express's own 404 (finalhandler) for paths its router does not match, e.g.
 * `/oauth/./token`, which the WHATWG URL parser would normalise. Fine as long as they are not 5xx.
 */
function frameworkAnswer(method: string, parsers = false) {
  return (answer: Answer): boolean => {
    // finalhandler: the 404 of unmatched paths and, behind body parsers, their own 400/413/415 errors.
    const finalhandler = /^text\/html/.test(answer.headers['content-type'] ?? '') && answer.headers['content-security-policy'] === "default-src 'none'" && (answer.status === 404 || parsers);
    const framework = !NODE_METHODS.has(method) || isNodeParserAnswer(answer) || (answer.status === 0 && method === 'CONNECT') || finalhandler;
    if (framework && answer.status >= 500) throw new Violation(`the framework answered ${answer.status}`);
    return framework;
  };
}

async function keepsServing(target = port): Promise<void> {
  const request = clientCredentialsRequest();
  const answer = await within(sendWire(target, toWire(request, Object.entries(request.headers as Record<string, string>), false)), 2000, 'HTTP request');
  expect(answer.status).toBe(200);
}

const endpointProperty = (options: RecipeOptions, tally: { runs: number; served: number }, parsers = false) =>
  fc.asyncProperty(recipeArb(options), fc.boolean(), async (recipe, chunked) => {
    logger.errors.length = 0;
    const live = await mintLive(server);
    const built = buildRequest(recipe, live);
    const wire = toWire(built.request, built.headerPairs, chunked);
    const effective: Effective = effectiveOfWire(wire);
    const answer = await within(sendWire(parsers ? parsedPort : port, wire), 2000, 'HTTP request');
    const isFramework = frameworkAnswer(wire.method, parsers);
    checkAnswer(built, effective, answer, { live, frameworkAnswer: isFramework, ...(parsers ? { lenientBody: true } : {}) });
    if (!isFramework(answer) && !parsers) {
      if (tokenVerdict(built, effective, live).mustIssue && answer.status !== 200) throw new Violation(`a valid token request was refused over HTTP: ${answer.status} ${answer.body.slice(0, 300)}`);
      if (untouched(recipe) && !chunked) {
        const expected = expectedFor(recipe, answer);
        if (expected !== undefined) throw new Violation(`the untouched ${recipe.base} request did not get ${expected} over HTTP: ${answer.status} ${answer.body.slice(0, 300)}`);
      }
    }
    if (logger.errors.length > 0) throw new Violation(`the server logged an unexpected error: ${logger.errors.join('; ')}`);
    assertNoPollution();
    tally.runs += 1;
    if (!isFramework(answer) && answer.status < 300) tally.served += 1;
  });

describe('Express adapter over HTTP: fuzzed requests', () => {
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

  // body-parser decodes invalid UTF-8 leniently and qs folds `a[0]` into `a`, so only the security core of
  // the token oracle applies here (lenientTokenVerdict); body-parser's own 400/413/415 pages are Express's.
  it('behind express.urlencoded() and express.json(), never a 5xx and never a token without the exact secrets', async () => {
    const tally = { runs: 0, served: 0 };
    await fc.assert(endpointProperty({ bases: ALL_BASES, keep: 6, clean: 1, maxMutations: 3 }, tally, true), fuzzParameters(150));
    if (!replaying()) expect(tally.served / tally.runs).toBeGreaterThan(0.05);
    await keepsServing(parsedPort);
  }, 60_000);

  it('lets a protected route run only for an issued token with scope a', async () => {
    await fc.assert(
      fc.asyncProperty(guardRecipeArb, fc.boolean(), async (recipe, chunked) => {
        logger.errors.length = 0;
        const built = buildGuardRequest(recipe, zoo);
        const wire = toWire(built.request, built.headerPairs, chunked);
        const answer = await within(sendWire(port, wire), 2000, 'HTTP request');
        if (!frameworkAnswer(wire.method)(answer)) judgeGuardAnswer(answer, recipe, coreRequestOfWire(wire), built.contentTypeOk, zoo, built.presented, ISSUER);
        if (logger.errors.length > 0) throw new Violation(`the protector logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
      }),
      fuzzParameters(200),
    );
    await keepsServing();
  }, 60_000);
});
