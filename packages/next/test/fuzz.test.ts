// Property-based fuzzing of the Next.js adapter: the core suite's generators and oracles
// (../../core/test/fuzz) driven through `handlers(server)` and `withAuth(server, { scopes: ['a'] }, …)` with
// Fetch `Request` objects, as Next.js calls route handlers (no server needed). Replay with FUZZ_SEED /
// FUZZ_PATH, soak with FUZZ_RUNS (see generators.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_BASES,
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
  type RecipeOptions,
} from '../../core/test/fuzz/generators.js';
import type { TollgateRequest } from '../../core/src/index.js';
import { handlers, withAuth, type RouteHandlers } from '../src/index.js';

const logger = recordingLogger();
const server = createFuzzServer(logger);
const routes = handlers(server);
const guarded = withAuth(server, { scopes: ['a'] }, (_request, { auth }) => Response.json({ jti: auth.jti }), { logger });

/**
 * The Fetch `Request` Next.js would build for this request, or `undefined` when none can exist: the URL
 * parser, the `Headers` class (no CR/LF/NUL, bytes only: a header arrives latin1-decoded from Node) and the
 * `Request` constructor (no CONNECT/TRACE, no invalid method token, no body on GET/HEAD) refuse it first.
 */
function toFetchRequest(request: TollgateRequest, headerPairs: readonly [string, string | string[]][]): { fetch: Request; body: Uint8Array | undefined } | undefined {
  let url: URL;
  try {
    url = request.url instanceof URL ? request.url : new URL(request.url, ISSUER);
  } catch {
    return undefined;
  }
  const headers = new Headers();
  for (const [name, value] of headerPairs) {
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, Buffer.from(item, 'utf8').toString('latin1').replace(/[\r\n\0]/g, ' '));
      } catch {
        // Not a header name Next.js could receive.
      }
    }
  }
  const method = request.method.toUpperCase();
  const raw = request.body === undefined ? undefined : typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body;
  const body = method === 'GET' || method === 'HEAD' ? undefined : raw;
  try {
    return { fetch: new Request(url, body === undefined ? { method: request.method, headers } : { method: request.method, headers, body: new Uint8Array(body) }), body };
  } catch {
    return undefined;
  }
}

/** What `toWebHandler` hands to the core: the normalised method and URL, `Headers`, the body bytes. */
function effectiveOfFetch(request: Request, body: Uint8Array | undefined): Effective {
  let text: Effective['body'];
  if (body !== undefined && body.byteLength > 0) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      text = { invalid: true };
    }
  }
  const header = (name: string): string | undefined => request.headers.get(name) ?? undefined;
  return { method: request.method, url: new URL(request.url), authorization: header('authorization'), contentType: header('content-type'), accept: header('accept'), body: text, bodyBytes: text === undefined ? 0 : (body as Uint8Array).byteLength };
}

async function answerOfFetch(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text(), cookies: response.headers.getSetCookie() };
}

/** The route handler Next.js would call; methods a route file does not export are Next's own 405. */
function routeFor(method: string): RouteHandlers[keyof RouteHandlers] | undefined {
  // Own exports only: a method called `toString` must not find Object.prototype.toString.
  return Object.hasOwn(routes, method) ? routes[method as keyof RouteHandlers] : undefined;
}

async function keepsServing(): Promise<void> {
  const request = clientCredentialsRequest();
  const built = toFetchRequest(request, Object.entries(request.headers as Record<string, string>)) as { fetch: Request };
  const answer = await answerOfFetch(await within(routes.POST(built.fetch), 2000, 'route handler'));
  expect(answer.status).toBe(200);
}

const endpointProperty = (options: RecipeOptions, tally: { runs: number; served: number; skipped: number }) =>
  fc.asyncProperty(recipeArb(options), async (recipe) => {
    logger.errors.length = 0;
    const live = await mintLive(server);
    const built = buildRequest(recipe, live);
    const made = toFetchRequest(built.request, built.headerPairs);
    const route = made === undefined ? undefined : routeFor(made.fetch.method);
    if (made === undefined || route === undefined) {
      tally.skipped += 1;
      return;
    }
    const effective = effectiveOfFetch(made.fetch, made.body);
    const answer = await answerOfFetch(await within(route(made.fetch), 2000, 'route handler'));
    // Keep the oracle's view of the body in line with what the Request carried.
    const seen = { ...built, bodyBytes: made.body };
    checkAnswer(seen, effective, answer, { live });
    if (tokenVerdict(seen, effective, live).mustIssue && answer.status !== 200) throw new Violation(`a valid token request was refused: ${answer.status} ${answer.body.slice(0, 300)}`);
    if (untouched(recipe)) {
      const expected = expectedFor(recipe, answer);
      if (expected !== undefined) throw new Violation(`the untouched ${recipe.base} request did not get ${expected}: ${answer.status} ${answer.body.slice(0, 300)}`);
    }
    if (logger.errors.length > 0) throw new Violation(`the server logged an unexpected error: ${logger.errors.join('; ')}`);
    assertNoPollution();
    tally.runs += 1;
    if (answer.status < 300) tally.served += 1;
  });

describe('Next.js adapter: fuzzed Fetch requests', () => {
  it('handlers(): answers mutated valid requests of every endpoint well-formed, never a 5xx, never a token for a changed request', async () => {
    const tally = { runs: 0, served: 0, skipped: 0 };
    await fc.assert(endpointProperty({ bases: ALL_BASES, keep: 6, clean: 1, maxMutations: 3 }, tally), fuzzParameters(200));
    if (!replaying()) expect(tally.served / tally.runs).toBeGreaterThan(0.05);
    await keepsServing();
  }, 60_000);

  it('handlers(): answers random requests well-formed, never a 5xx', async () => {
    await fc.assert(endpointProperty({ bases: ALL_BASES, keep: 1, clean: 1, maxMutations: 6 }, { runs: 0, served: 0, skipped: 0 }), fuzzParameters(150));
    await keepsServing();
  }, 60_000);

  it('withAuth(): runs the handler only for an issued token with scope a', async () => {
    const zoo = await mintGuardTokens(server);
    await fc.assert(
      fc.asyncProperty(guardRecipeArb, async (recipe) => {
        logger.errors.length = 0;
        const built = buildGuardRequest(recipe, zoo);
        const made = toFetchRequest(built.request, built.headerPairs);
        if (made === undefined) return;
        const answer = await answerOfFetch(await within(guarded(made.fetch as never, { params: Promise.resolve({}) }), 2000, 'withAuth handler'));
        const seen: TollgateRequest = { method: made.fetch.method, url: made.fetch.url, headers: made.fetch.headers };
        judgeGuardAnswer(answer, recipe, seen, built.contentTypeOk, zoo, built.presented, ISSUER);
        if (logger.errors.length > 0) throw new Violation(`the protector logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
      }),
      fuzzParameters(200),
    );
  }, 60_000);
});
