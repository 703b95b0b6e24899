import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

/**
 * The demo web client and Tollgate's default sign-in and consent pages in a real browser (Debian's Chromium):
 * sign in (after a wrong password), consent, call the API, refresh; and a second user who denies.
 * Screenshots of every page land in test-output/screenshots/ (git-ignored) for a human to look at.
 */

const CHROMIUM = '/usr/bin/chromium';
const IN_CI = process.env.CI === 'true';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`\n${'!'.repeat(78)}\n!! ${CHROMIUM} is missing: the browser tests of the example are SKIPPED.\n!! Install it with: apt-get install chromium (CI=true makes this a failure).\n${'!'.repeat(78)}\n`);
}

const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const STEP_TIMEOUT = 15_000;

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('the example in a real browser', () => {
  let http: Server | undefined;
  let issuer = '';
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is missing and CI=true: install Debian's chromium (apt-get install chromium); the browser tests cannot be skipped in CI`);
    // Only this run's screenshots.
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });

    // The issuer must be the URL the browser uses, and demo-web's redirect URI derives from it: listen first.
    http = createServer((_req, res) => {
      res.statusCode = 503;
      res.end('starting');
    });
    await new Promise<void>((resolve, reject) => {
      http?.once('error', reject);
      http?.listen(0, '127.0.0.1', resolve);
    });
    issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const { app } = createApp({ issuer });
    http.removeAllListeners('request');
    http.on('request', app);
    // Fail fast, with the reason, when the app cannot even serve the client's start page in this process.
    const probe = await fetch(`${issuer}/client`);
    if (probe.status !== 200) {
      const text = (await probe.text()).replace(/<br>/g, '\n').replace(/<[^>]+>/g, '').replace(/&nbsp;/g, ' ');
      throw new Error(`GET ${issuer}/client answered ${probe.status} before any browser was involved:\n${text.slice(0, 1500)}`);
    }

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      timeout: 30_000,
    });
  }, 45_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (http?.listening) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http?.close(() => resolve()));
    }
  }, 30_000);

  /** A fresh browser context (no cookies) whose page fails fast and records console problems. */
  async function freshPage(options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<{ page: Page; problems: string[] }> {
    if (!browser) throw new Error('browser not started');
    const context = await browser.newContext({ ...options, ...(options.viewport ? {} : { viewport: { width: 1280, height: 800 } }) });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Error statuses (the 400 after a wrong password, the 400 of the deny page, no /favicon.ico) are expected;
      // anything else (a CSP violation, a script error) is a problem.
      if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of \d{3}/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    return { page, problems };
  }

  const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });

  /** Wait for the (final) response of the authorization endpoint while `action` runs. */
  async function authorizeResponse(page: Page, action: () => Promise<unknown>): Promise<Response> {
    const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/oauth/authorize' && (r.status() < 300 || r.status() >= 400)), action()]);
    return response;
  }

  function expectPageHeaders(response: Response): void {
    const headers = response.headers();
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['content-type']).toMatch(/^text\/html/);
  }

  it('approve: alice signs in (after a wrong password), approves, sees her claims, calls the API and refreshes', async () => {
    const { page, problems } = await freshPage();

    // The client's start page.
    const start = await page.goto(`${issuer}/client`);
    expect(start?.status()).toBe(200);
    await expect.poll(() => page.locator('#sign-in').textContent()).toBe('Sign in with Tollgate');
    await shot(page, '01-client-start');

    // Tollgate's sign-in page, with its security headers.
    const signInResponse = await authorizeResponse(page, () => page.click('#sign-in'));
    expect(signInResponse.status()).toBe(200);
    expectPageHeaders(signInResponse);
    expect(new URL(page.url()).origin).toBe(issuer);
    expect(new URL(page.url()).pathname).toBe('/oauth/authorize');
    await expect.poll(() => page.title()).toBe('Sign in');
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    expect(await page.locator('p.lead').textContent()).toContain('Demo web app');
    const username = page.getByLabel('Username');
    const password = page.getByLabel('Password');
    expect(await username.getAttribute('autocomplete')).toBe('username');
    expect(await password.getAttribute('type')).toBe('password');
    expect(await password.getAttribute('autocomplete')).toBe('current-password');
    // autofocus puts the cursor in the username field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await shot(page, '02-sign-in');

    // A wrong password: the page comes back with a message and the username kept, the password not.
    await username.fill('alice');
    await password.fill('not-her-password');
    const failed = await authorizeResponse(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    expect(failed.status()).toBe(400);
    expectPageHeaders(failed);
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toBe('The username or password is not correct.');
    expect(await page.getByLabel('Username').inputValue()).toBe('alice');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await shot(page, '03-sign-in-error');

    // The right password, submitted with Enter: the consent page names the client and lists the scopes.
    await page.getByLabel('Password').fill('alice-password');
    const consent = await authorizeResponse(page, () => page.getByLabel('Password').press('Enter'));
    expect(consent.status()).toBe(200);
    expectPageHeaders(consent);
    await expect.poll(() => page.title()).toBe('Authorize access');
    expect(await page.locator('h1').textContent()).toBe('Authorize Demo web app');
    expect(await page.locator('main').textContent()).toContain('Demo web app');
    expect(await page.locator('ul.scopes code').allTextContents()).toEqual(['openid', 'profile', 'orders:read']);
    expect(await page.locator('ul.scopes strong').allTextContents()).toEqual(['Know who you are', 'See your name and username', 'See your orders']);
    expect(await page.locator('.who').textContent()).toBe('Signed in as alice');
    await shot(page, '04-consent');

    // Approve: back at the client, signed in.
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${issuer}/client`);
    await page.locator('#signed-in').waitFor();
    const claims = (await page.locator('#claims').textContent()) ?? '';
    expect(claims).toContain('"sub": "user-alice"');
    expect(claims).toContain('"active": true');
    expect(claims).toContain('"client_id": "demo-web"');
    expect(await page.locator('#token-info').textContent()).toContain('refresh token: yes');
    await shot(page, '05-signed-in');

    // The protected API.
    await page.click('#call-api');
    await page.waitForURL(`${issuer}/client`);
    expect(await page.locator('#api-result').textContent()).toMatch(/^200 /);
    expect(await page.locator('#api-result').textContent()).toContain('"owner":"user-alice"');
    await shot(page, '06-api-result');

    // Refresh the tokens: still signed in.
    const before = claims;
    await page.click('#refresh');
    await page.waitForURL(`${issuer}/client`);
    await page.locator('#signed-in').waitFor();
    expect(await page.locator('#api-result').textContent()).toBe('tokens refreshed');
    const after = (await page.locator('#claims').textContent()) ?? '';
    expect(after).toContain('"sub": "user-alice"');
    expect(after).toContain('"active": true');
    // A new access token (its jti differs).
    expect(after).not.toBe(before);
    await shot(page, '07-refreshed');

    // The new access token works.
    await page.click('#call-api');
    await page.waitForURL(`${issuer}/client`);
    expect(await page.locator('#api-result').textContent()).toMatch(/^200 /);
    await shot(page, '08-api-after-refresh');

    expect(problems).toEqual([]);
  }, 60_000);

  it('deny: a fresh browser signs in as bob, denies, and the client shows access_denied', async () => {
    const { page, problems } = await freshPage();
    await page.goto(`${issuer}/client`);
    const signIn = await authorizeResponse(page, () => page.click('#sign-in'));
    expect(signIn.status()).toBe(200);
    // No cookies from alice's browser: the sign-in page, not the consent page.
    await expect.poll(() => page.title()).toBe('Sign in');
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill('bob-password');
    const consent = await authorizeResponse(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    expect(consent.status()).toBe(200);
    expect(await page.locator('.who').textContent()).toBe('Signed in as bob');
    await shot(page, '09-deny-consent');

    const [callback] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/client/callback'),
      page.getByRole('button', { name: 'Deny' }).click(),
    ]);
    expect(callback.status()).toBe(400);
    const query = new URL(callback.url()).searchParams;
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('iss')).toBe(issuer);
    expect(query.has('code')).toBe(false);
    await page.locator('#error').waitFor();
    expect(await page.locator('#error-code').textContent()).toBe('access_denied');
    await shot(page, '10-deny-error');

    // Still signed out at the client.
    await page.goto(`${issuer}/client`);
    expect(await page.locator('#sign-in').count()).toBe(1);
    expect(await page.locator('#signed-in').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);

  it('the sign-in page fits a phone screen and follows a dark color scheme', async () => {
    const { page, problems } = await freshPage({ colorScheme: 'dark', viewport: { width: 375, height: 740 } });
    await page.goto(`${issuer}/client`);
    await authorizeResponse(page, () => page.click('#sign-in'));
    await expect.poll(() => page.title()).toBe('Sign in');
    // No horizontal scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // Dark background, light text.
    const colors = await page.evaluate(() => ({ body: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color }));
    expect(colors.body).not.toBe('rgb(244, 245, 247)');
    expect(colors.text).not.toBe('rgb(29, 35, 48)');
    await shot(page, '11-sign-in-phone-dark');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await authorizeResponse(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    await expect.poll(() => page.title()).toBe('Authorize access');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, '12-consent-phone-dark');
    expect(problems).toEqual([]);
  }, 60_000);
});
