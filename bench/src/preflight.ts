/**
 * Pre-flight: before a target is loaded, prove it really does the work being measured. Token targets refuse a
 * wrong client secret and issue a token that verifies with jose against the target's own JWKS (opaque tokens:
 * the target's introspection or protected route accepts it); protected routes refuse no token and a tampered
 * token and accept the valid one; store targets also rotate a refresh token and refuse its reuse.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Target } from './registry.js';
import { AS_ISSUER, AUDIENCE, CC_BODY, CLIENT_ID, CLIENT_SECRET, CLI_ID, CLI_SECRET, FORM, OK_BODY, PASSWORD_BODY, SCOPE, basic } from './shared.js';

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}
export interface PreflightResult {
  ok: boolean;
  checks: Check[];
}

const TIMEOUT_MS = 10_000;

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; text: string; json: Record<string, unknown> | undefined }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const post = (url: string, authorization: string, body: string) => call(url, { method: 'POST', headers: { authorization, 'content-type': FORM }, body });

const refused = (status: number): boolean => status === 400 || status === 401;

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.scope = `${String(claims.scope)} admin`;
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

async function verifyJwt(base: string, jwksPath: string, token: string, checks: Check[]): Promise<void> {
  try {
    const header = decodeProtectedHeader(token);
    const jwks = createRemoteJWKSet(new URL(base + jwksPath), { timeoutDuration: TIMEOUT_MS });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: AS_ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] });
    const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    checks.push({
      name: 'access token verifies with jose against the target JWKS (EdDSA, iss, aud, scope)',
      ok: protectedHeader.alg === 'EdDSA' && scope.includes(SCOPE),
      detail: `alg=${String(header.alg)} typ=${String(header.typ)} kid=${String(header.kid)} scope=${String(payload.scope)}`,
    });
  } catch (error) {
    checks.push({ name: 'access token verifies with jose against the target JWKS', ok: false, detail: error instanceof Error ? error.message : String(error) });
  }
}

async function tokenChecks(target: Target, base: string, checks: Check[]): Promise<string | undefined> {
  const url = base + target.request.path;
  const wrong = await post(url, basic(CLIENT_ID, 'not-the-secret'), CC_BODY);
  checks.push({ name: 'wrong client secret is refused (400/401)', ok: refused(wrong.status), detail: `${wrong.status} ${wrong.text.slice(0, 120)}` });
  const good = await post(url, basic(CLIENT_ID, CLIENT_SECRET), CC_BODY);
  const token = good.json?.access_token;
  checks.push({ name: 'valid client gets 200 with an access_token', ok: good.status === 200 && typeof token === 'string', detail: `${good.status} token_type=${String(good.json?.token_type)}` });
  return typeof token === 'string' ? token : undefined;
}

export async function preflight(target: Target, port: number, bearer: string | undefined): Promise<PreflightResult> {
  const base = `http://127.0.0.1:${port}`;
  const checks: Check[] = [];
  const p = target.preflight;
  try {
    switch (p.kind) {
      case 'token-jwt': {
        const token = await tokenChecks(target, base, checks);
        if (token) await verifyJwt(base, p.jwksPath, token, checks);
        break;
      }
      case 'token-opaque': {
        const token = await tokenChecks(target, base, checks);
        if (!token) break;
        checks.push({ name: 'token is opaque (not a JWT)', ok: token.split('.').length !== 3, detail: `${token.length} chars` });
        if (p.proof.kind === 'introspect') {
          const answer = await post(base + p.proof.path, basic(CLIENT_ID, CLIENT_SECRET), new URLSearchParams({ token }).toString());
          checks.push({ name: 'introspection reports the token active', ok: answer.status === 200 && answer.json?.active === true, detail: `${answer.status} ${answer.text.slice(0, 120)}` });
        } else {
          const answer = await call(base + p.proof.path, { headers: { authorization: `Bearer ${token}` } });
          checks.push({ name: "the target's protected route accepts the token", ok: answer.status === 200, detail: `${answer.status}` });
          const bogus = await call(base + p.proof.path, { headers: { authorization: `Bearer x${token}` } });
          checks.push({ name: "the target's protected route refuses an unknown token", ok: bogus.status === 401, detail: `${bogus.status}` });
        }
        break;
      }
      case 'protected': {
        if (!bearer) throw new Error('no bearer token minted');
        const url = base + target.request.path;
        const none = await call(url);
        checks.push({ name: 'request without a token is refused (401)', ok: none.status === 401, detail: `${none.status}` });
        const bad = await call(url, { headers: { authorization: `Bearer ${tamper(bearer)}` } });
        checks.push({ name: 'tampered token (scope changed, old signature) is refused (401)', ok: bad.status === 401, detail: `${bad.status}` });
        const good = await call(url, { headers: { authorization: `Bearer ${bearer}` } });
        checks.push({ name: 'valid token is accepted (200)', ok: good.status === 200 && (p.anyBody === true || good.text === OK_BODY), detail: `${good.status} ${good.text.slice(0, 80)}` });
        break;
      }
      case 'get': {
        const answer = await call(base + target.request.path);
        checks.push({ name: 'GET answers 200', ok: answer.status === 200 && answer.text === OK_BODY, detail: `${answer.status} ${answer.text}` });
        break;
      }
      case 'post': {
        const answer = await post(base + target.request.path, basic(CLIENT_ID, CLIENT_SECRET), CC_BODY);
        checks.push({ name: 'POST body is parsed', ok: answer.status === 200 && answer.json?.grant_type === 'client_credentials', detail: `${answer.status} ${answer.text}` });
        break;
      }
      case 'password':
      case 'refresh': {
        const url = base + target.request.path;
        const wrong = await post(url, basic(CLI_ID, 'not-the-secret'), PASSWORD_BODY);
        checks.push({ name: 'wrong client secret is refused (401)', ok: wrong.status === 401, detail: `${wrong.status}` });
        const badUser = await post(url, basic(CLI_ID, CLI_SECRET), PASSWORD_BODY.replace('password=bench-password', 'password=wrong'));
        checks.push({ name: 'wrong password is refused (400 invalid_grant)', ok: badUser.status === 400 && badUser.json?.error === 'invalid_grant', detail: `${badUser.status} ${String(badUser.json?.error)}` });
        const good = await post(url, basic(CLI_ID, CLI_SECRET), PASSWORD_BODY);
        const refresh = good.json?.refresh_token;
        const access = good.json?.access_token;
        checks.push({ name: 'password grant issues an access and a refresh token', ok: good.status === 200 && typeof refresh === 'string' && typeof access === 'string', detail: `${good.status}` });
        if (typeof access === 'string') await verifyJwt(base, p.jwksPath, access, checks);
        if (p.kind === 'refresh' && typeof refresh === 'string') {
          const rotate = (token: string) => post(url, basic(CLI_ID, CLI_SECRET), new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString());
          const rotated = await rotate(refresh);
          checks.push({ name: 'refresh rotates (200, new refresh token)', ok: rotated.status === 200 && typeof rotated.json?.refresh_token === 'string' && rotated.json.refresh_token !== refresh, detail: `${rotated.status}` });
          const reused = await rotate(refresh);
          checks.push({ name: 'a spent refresh token is refused (400 invalid_grant)', ok: reused.status === 400 && reused.json?.error === 'invalid_grant', detail: `${reused.status} ${String(reused.json?.error)}` });
        }
        break;
      }
    }
  } catch (error) {
    checks.push({ name: 'pre-flight ran without errors', ok: false, detail: error instanceof Error ? error.message : String(error) });
  }
  return { ok: checks.length > 0 && checks.every((check) => check.ok), checks };
}
