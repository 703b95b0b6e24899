import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { s256Challenge, type TollgateRequest } from '../../src/index.js';
import {
  FIRST_PARTY_ID,
  FORM,
  PASSWORD,
  PATHS,
  PUBLIC_ID,
  REDIRECT_URI,
  USERNAME,
  Violation,
  answerOf,
  applyTweak,
  assertNoPollution,
  bodyPlanArb,
  checkAnswer,
  clientCredentialsRequest,
  contentTypeArb,
  createFuzzServer,
  effectiveOf,
  formMutationArb,
  fuzzParameters,
  mintLive,
  recordingLogger,
  replaying,
  renderForm,
  sameSealed,
  sometimes,
  tweakArb,
  within,
  type Answer,
  type BodyPlan,
  type Built,
  type ContentTypePlan,
  type FormMutation,
  type Live,
  type Pair,
  type Tweak,
} from './generators.js';

/** The signed hidden fields of a page, and the cookies it set. */
interface PageState {
  action: string;
  sealed: string;
  cookies: Map<string, string>;
}

function readPage(answer: Answer): PageState {
  const hidden = new Map<string, string>();
  for (const [, name, value] of answer.body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) hidden.set(name as string, (value as string).replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));
  const cookies = new Map<string, string>();
  for (const cookie of answer.cookies) {
    const [pair] = cookie.split(';');
    const eq = (pair as string).indexOf('=');
    cookies.set((pair as string).slice(0, eq), decodeURIComponent((pair as string).slice(eq + 1)));
  }
  const action = hidden.get('tollgate_action');
  const sealed = hidden.get('tollgate_request');
  if (action === undefined || sealed === undefined) throw new Error(`fixture: no form state in the page (${answer.status})`);
  return { action, sealed, cookies };
}

/** How a cookie is sent: as issued, tweaked, missing, twice (first one wins), or next to garbage. */
type CookiePlan = { kind: 'valid' } | { kind: 'absent' } | { kind: 'tweaked'; tweak: Tweak } | { kind: 'twice'; firstTweaked: boolean; tweak: Tweak } | { kind: 'garbage'; value: string };
const cookiePlanArb: fc.Arbitrary<CookiePlan> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'valid' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'absent' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tweaked' as const), tweak: tweakArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('twice' as const), firstTweaked: fc.boolean(), tweak: tweakArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), value: fc.constantFrom('%', '"', 'a.b', '', '%E0%A4%A', 'x'.repeat(20_000)) }) },
);

function renderCookie(name: string, value: string, plan: CookiePlan): string[] {
  switch (plan.kind) {
    case 'valid':
      return [`${name}=${encodeURIComponent(value)}`];
    case 'absent':
      return [];
    case 'tweaked':
      return [`${name}=${applyTweak(value, plan.tweak)}`];
    case 'twice': {
      const other = `${name}=${applyTweak(value, plan.tweak)}`;
      const good = `${name}=${encodeURIComponent(value)}`;
      return plan.firstTweaked ? [other, good] : [good, other];
    }
    case 'garbage':
      return [`${name}=${plan.value}`];
  }
}

/** RFC 6265 §5.4 as the server reads it: the first cookie of that name, unquoted, percent-decoded. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 16384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

interface FormRecipe {
  stage: 'sign-in' | 'consent';
  method: string;
  formMutations: FormMutation[];
  csrf: CookiePlan;
  session: CookiePlan;
  contentType: ContentTypePlan | undefined;
  body: BodyPlan;
  accept: string | undefined;
}

const formRecipeArb: fc.Arbitrary<FormRecipe> = fc.record({
  stage: fc.constantFrom('sign-in' as const, 'consent' as const),
  method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('post', 'PUT', 'GET') }),
  formMutations: fc.oneof({ weight: 2, arbitrary: fc.constant([] as FormMutation[]) }, { weight: 3, arbitrary: fc.array(formMutationArb, { minLength: 1, maxLength: 3 }) }),
  csrf: cookiePlanArb,
  session: cookiePlanArb,
  contentType: sometimes(contentTypeArb, 4),
  body: bodyPlanArb,
  accept: fc.constantFrom(undefined, 'text/html', 'application/json'),
});

/** An authorization request a browser would send, for `client`. */
function authorizeUrl(client: string): string {
  return `${PATHS.authorize}?${new URLSearchParams({ response_type: 'code', client_id: client, redirect_uri: REDIRECT_URI, scope: 'a', state: 'st', code_challenge: s256Challenge('v'.repeat(43)), code_challenge_method: 'S256' })}`;
}

// RFC 6749 §10.12 (CSRF) and §4.1: a code is issued only after the real sign-in (exact username and
// password) or the real consent (decision=approve with a valid session), through a form the server itself
// signed and bound to this browser's CSRF cookie. Forms and cookies are mutated; a code for anything else
// is a forged authorization.
describe('authorization endpoint: sign-in and consent forms', () => {
  it('issues a code only for the exact form the server signed, with the right cookies and credentials', async () => {
    const logger = recordingLogger();
    const server = createFuzzServer(logger);
    const live: Live = await mintLive(server);
    const send = (request: TollgateRequest): Promise<Answer> => server.handle(request).then(answerOf);

    // Sign-in for a first-party client gives a code at once; for the third-party client a consent page.
    const signInPage = readPage(await send({ method: 'GET', url: authorizeUrl(FIRST_PARTY_ID), headers: { accept: 'text/html' } }));
    const publicSignIn = readPage(await send({ method: 'GET', url: authorizeUrl(PUBLIC_ID), headers: {} }));
    const csrfPublic = publicSignIn.cookies.get('tollgate_csrf') as string;
    const signedIn = await send({
      method: 'POST',
      url: PATHS.authorize,
      headers: { 'content-type': FORM, cookie: `tollgate_csrf=${csrfPublic}` },
      body: new URLSearchParams({ tollgate_action: publicSignIn.action, tollgate_request: publicSignIn.sealed, username: USERNAME, password: PASSWORD }).toString(),
    });
    const consentPage = readPage(signedIn);
    const session = consentPage.cookies.get('tollgate_session') as string;
    // A fresh CSRF secret comes with the new session (no fixation): the consent form is bound to it.
    const csrfConsent = consentPage.cookies.get('tollgate_csrf') ?? csrfPublic;
    expect(signInPage.action).toBe('sign-in');
    expect(consentPage.action).toBe('consent');

    const tally = { runs: 0, codes: 0 };
    await fc.assert(
      fc.asyncProperty(formRecipeArb, async (recipe) => {
        logger.errors.length = 0;
        const page = recipe.stage === 'sign-in' ? signInPage : consentPage;
        const csrf = recipe.stage === 'sign-in' ? (signInPage.cookies.get('tollgate_csrf') as string) : csrfConsent;
        const pairs: Pair[] = [
          { key: 'tollgate_action', value: page.action, encoding: 'form' },
          { key: 'tollgate_request', value: page.sealed, encoding: 'form' },
          ...(recipe.stage === 'sign-in'
            ? [{ key: 'username', value: USERNAME, encoding: 'form' as const }, { key: 'password', value: PASSWORD, encoding: 'form' as const }]
            : [{ key: 'decision', value: 'approve', encoding: 'form' as const }]),
        ];
        const text = renderForm(pairs, recipe.formMutations, live);
        const cookies = [...renderCookie('tollgate_csrf', csrf, recipe.csrf), ...(recipe.stage === 'consent' ? renderCookie('tollgate_session', session, recipe.session) : [])];
        const contentType = recipe.contentType ?? { value: FORM, ok: true };
        const headers: Record<string, string | string[]> = {};
        if (contentType.value !== undefined) headers['content-type'] = contentType.value;
        if (cookies.length > 0) headers.cookie = cookies.join('; ');
        if (recipe.accept !== undefined) headers.accept = recipe.accept;
        let body: string | Uint8Array | undefined = text;
        if (recipe.body.as === 'none') body = undefined;
        else if (recipe.body.as === 'bytes') {
          let bytes = [...new TextEncoder().encode(text)];
          for (const { at, bytes: inserted } of recipe.body.invalid) bytes = [...bytes.slice(0, at % (bytes.length + 1)), ...inserted, ...bytes.slice(at % (bytes.length + 1))];
          body = Uint8Array.from(bytes);
        }
        const request: TollgateRequest = body === undefined ? { method: recipe.method, url: PATHS.authorize, headers } : { method: recipe.method, url: PATHS.authorize, headers, body };
        const response = answerOf(await within(server.handle(request), 2000, 'handle()'));
        const effective = effectiveOf(request);

        // The oracle: exactly the signed form, the matching CSRF cookie (and session), the right answer.
        const form = typeof effective.body === 'string' ? new URLSearchParams(effective.body) : new URLSearchParams();
        const keys = [...form.keys()];
        const single = (name: string): string | undefined => (form.getAll(name).length === 1 ? form.get(name) ?? undefined : undefined);
        const cookieHeader = typeof headers.cookie === 'string' ? headers.cookie : undefined;
        const exact =
          recipe.method.toUpperCase() === 'POST' &&
          typeof effective.body === 'string' &&
          new Set(keys).size === keys.length &&
          single('tollgate_action') === page.action &&
          sameSealed(page.sealed, single('tollgate_request')) &&
          cookieValue(cookieHeader, 'tollgate_csrf') === csrf &&
          (recipe.stage === 'sign-in' ? single('username') === USERNAME && single('password') === PASSWORD : single('decision') === 'approve' && sameSealed(session, cookieValue(cookieHeader, 'tollgate_session')));
        const code = response.headers.location !== undefined && new URL(response.headers.location).searchParams.has('code');
        if (code && !exact) throw new Violation(`a code for a ${recipe.stage} form that is not the one the server signed (or without its cookies / credentials)`);
        const built = { request, secrets: [PASSWORD, live.refresh, csrf], auth: { value: undefined, classes: new Map() }, contentType, recipe: undefined } as unknown as Built;
        checkAnswer(built, effective, response, { live, allowCode: true, echoable: [form.get('username') ?? ''] });
        const untouched = recipe.formMutations.length === 0 && recipe.csrf.kind === 'valid' && (recipe.stage === 'sign-in' || recipe.session.kind === 'valid') && recipe.contentType === undefined && recipe.method === 'POST' && recipe.body.as !== 'none' && (recipe.body.as !== 'bytes' || recipe.body.invalid.length === 0);
        if (untouched && !code) throw new Violation(`the untouched ${recipe.stage} form did not get a code: ${response.status} ${response.body.slice(0, 200)}`);
        if (logger.errors.length > 0) throw new Violation(`the server logged an unexpected error: ${logger.errors.join('; ')}`);
        assertNoPollution();
        tally.runs += 1;
        if (code) tally.codes += 1;
      }),
      fuzzParameters(500),
    );
    if (!replaying()) expect(tally.codes).toBeGreaterThan(0);
    expect((await server.handle(clientCredentialsRequest())).status).toBe(200);
  }, 60_000);
});
