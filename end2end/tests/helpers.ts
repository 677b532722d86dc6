import { expect, test, Page, APIRequestContext, TestInfo } from '@playwright/test';
import { createHmac, randomUUID } from 'crypto';
import { CLIENT_SECRET, STANDIN_URL } from './services';

export interface OutboxEntry {
  to: string;
  channel: string;
  body: string;
  sent_at: string;
}

/** A French mobile number (the 06 12 range is allocated) no other test uses, so send limits never collide. */
export function uniqueFrenchMobile(): { national: string; e164: string } {
  const digits = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
  return { national: `06 12 ${digits.replace(/(\d\d)(?=\d)/g, '$1 ')}`, e164: `+33612${digits}` };
}

export function uniqueUser(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** Collects what chromium refuses under the pages' Content-Security-Policy (it says so in the
 *  console): the list must stay empty for the policy to fit the pages. */
export function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** Collects the islands the browser build could not hydrate (Leptos' loader says so in the
 *  console): the server's and the browser's build must name each island alike. */
export function unhydratedIslands(page: Page): string[] {
  const missing: string[] = [];
  page.on('console', (message) => {
    if (/Could not find WASM function for the island/.test(message.text())) missing.push(message.text());
  });
  return missing;
}

/** Waits for WASM to take over the page, when JavaScript runs. */
export async function hydrated(page: Page, javaScript: boolean) {
  if (javaScript) {
    await expect(page.locator('main')).toHaveAttribute('data-hydrated', 'true');
  }
}

/** The newest code the console gateway sent to `to`, read from its outbox (/dev/outbox in the portal). */
export async function latestCode(request: APIRequestContext, to: string, notBefore = 0, outbox = '/dev/outbox'): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(async () => {
      const response = await request.get(`${outbox}?format=json&to=${encodeURIComponent(to)}`);
      expect(response.ok()).toBeTruthy();
      const entries: OutboxEntry[] = await response.json();
      // The outbox lists only what went to `to`.
      expect(entries.every((e) => e.to === to)).toBeTruthy();
      const entry = entries[0];
      const codes = entries.length;
      if (!entry || codes <= notBefore) return undefined;
      found = entry.body.match(/\b(\d{6})\b/)?.[1] ?? entry.body.match(/(\d(?:, \d){5})/)?.[1]?.replace(/, /g, '');
      return found;
    })
    .toBeTruthy();
  return found!;
}

/** How many messages the console gateway has sent to `to`. */
export async function sentCount(request: APIRequestContext, to: string, outbox = '/dev/outbox'): Promise<number> {
  const entries: OutboxEntry[] = await (await request.get(`${outbox}?format=json`)).json();
  return entries.filter((e) => e.to === to).length;
}

/** A different code of the same length, certainly wrong. */
export function wrongCode(code: string): string {
  return code
    .split('')
    .map((d) => String((Number(d) + 1) % 10))
    .join('');
}

/** Saves a full-page screenshot as a test artifact. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Signs in as a new user of the demo application and lands on the method picker. Returns the user. */
export async function signInThroughDemo(page: Page, label: string, javaScript = true): Promise<string> {
  const user = uniqueUser(label);
  await page.goto('/demo');
  await hydrated(page, javaScript);
  await shot(page, test.info(), `${label}-01-demo`);
  await page.getByLabel(/User name|Nom d’utilisateur/).fill(user);
  await page.getByRole('button', { name: /Sign in with two-step verification|Se connecter avec la vérification/ }).click();
  await expect(page).toHaveURL(/\/methods$/);
  await hydrated(page, javaScript);
  return user;
}

function hs256(signed: string): string {
  return createHmac('sha256', CLIENT_SECRET).update(signed).digest('base64url');
}

/** Plays the relying application of a portal without `/demo` (a real gateway): signs a request
 *  for a new user, as the README says, and sends the browser to `/start`. Returns the user. */
export async function signInThroughRelyingApp(page: Page, portal: string, label: string): Promise<string> {
  const user = uniqueUser(label);
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const claims = {
    sub: user,
    aud: 'leptos-2fa/request',
    return_url: `${portal}/returned`,
    nonce: randomUUID(),
    exp: Math.floor(Date.now() / 1000) + 300,
  };
  const signed = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  await page.goto(`${portal}/start?request=${signed}.${hs256(signed)}`);
  await expect(page).toHaveURL(/\/methods$/);
  await hydrated(page, true);
  return user;
}

/** The result the portal sent the user back with, its signature checked: who passed, and how. */
export async function returnedResult(page: Page): Promise<{ sub: string; method: string }> {
  await expect(page).toHaveURL(/\/returned\?result=/);
  const [header, payload, signature] = new URL(page.url()).searchParams.get('result')!.split('.');
  expect(hs256(`${header}.${payload}`)).toBe(signature);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  expect(claims.aud).toBe('leptos-2fa/result');
  return claims;
}

/** Polls a test endpoint of the Twilio stand-in until `pick` finds what it looks for. */
export async function fromStandin<T, R>(page: Page, path: string, pick: (records: T[]) => R | undefined): Promise<R> {
  let found: R | undefined;
  await expect
    .poll(async () => {
      found = pick(await (await page.request.get(`${STANDIN_URL}${path}`)).json());
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

/** Picks a phone method on the method page, and sends a code to a French number. */
export async function sendCodeToPhone(page: Page, channel: string, national: string) {
  await page.locator(`button[data-channel="${channel}"]`).click();
  await expect(page).toHaveURL(/\/phone$/);
  await hydrated(page, true);
  await page.getByLabel('Country').selectOption('FR');
  await page.getByLabel('Phone number').fill(national);
  await page.getByRole('button', { name: /Send code/ }).click();
}
