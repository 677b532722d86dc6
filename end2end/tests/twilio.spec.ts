import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { fromStandin, hydrated, unhydratedIslands, returnedResult, sendCodeToPhone, shot, signInThroughRelyingApp, uniqueFrenchMobile, uniqueUser } from './helpers';
import { MAILDIR, STANDIN_URL, TWILIO_PORTAL_URL } from './services';

// The portal configured with TWOFA_GATEWAY=twilio (the stand-in plays Twilio) and TWOFA_SMTP_URL.
test.use({ baseURL: TWILIO_PORTAL_URL });

interface PlacedCall {
  to: string;
  status: string;
  heard: string[];
  digits_heard: string;
}

interface SentMessage {
  to: string;
  body: string;
}

/** The code the stand-in "heard" on its call to `to`: read twice, so the first half. */
async function codeHeardOnCall(page: Page, to: string): Promise<string> {
  const digits = await fromStandin(page, '/_test/calls', (calls: PlacedCall[]) =>
    calls.filter((c) => c.to === to && c.status === 'completed').pop()?.digits_heard,
  );
  expect(digits).toHaveLength(12);
  expect(digits.slice(0, 6)).toBe(digits.slice(6));
  return digits.slice(0, 6);
}

async function codeTextedTo(page: Page, to: string): Promise<string> {
  return fromStandin(page, '/_test/messages', (messages: SentMessage[]) =>
    messages.filter((m) => m.to === to).pop()?.body.match(/\b(\d{6})\b/)?.[1],
  );
}

async function registerPhone(page: Page, channel: 'sms' | 'call', national: string) {
  await sendCodeToPhone(page, channel, national);
  await expect(page).toHaveURL(/\/verify$/);
  await hydrated(page, true);
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: /^Verify$/ }).click();
  await expect(page).toHaveURL(/\/success$/);
  await page.getByRole('button', { name: 'Continue to Acme Mail' }).click();
}

test('a user takes the code from a phone call and returns verified', async ({ page }) => {
  const phone = uniqueFrenchMobile();
  const missing = unhydratedIslands(page);
  const polls: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/poll_delivery')) polls.push(request.url());
  });
  const user = await signInThroughRelyingApp(page, TWILIO_PORTAL_URL, 'call');
  await registerPhone(page, 'call', phone.national);
  await expect(page.locator('.lead')).toContainText('that the call to');
  const atLoad = await page.locator('.delivery-state').getAttribute('data-delivery');
  // The call's progress arrives through Twilio's callbacks and shows without a reload.
  await expect(page.locator('.delivery-state')).toHaveText('The call ended.');
  // The page came before the call ended: the island asked the server and showed the news.
  if (atLoad !== 'completed') expect(polls.length).toBeGreaterThan(0);
  expect(missing).toEqual([]);
  await shot(page, test.info(), 'call-01-token-after-the-call');
  const code = await codeHeardOnCall(page, phone.e164);
  await enterCode(page, code);
  expect(await returnedResult(page)).toMatchObject({ sub: user, method: 'call' });
});

test('a text message that is not delivered offers a call, which gets the code through', async ({ page }) => {
  const phone = uniqueFrenchMobile();
  await page.request.post(`${STANDIN_URL}/_test/undeliverable`, { data: { to: phone.e164, error_code: 30003 } });
  const user = await signInThroughRelyingApp(page, TWILIO_PORTAL_URL, 'undelivered');
  await registerPhone(page, 'sms', phone.national);
  await expect(page.locator('.delivery-state')).toHaveText('Not delivered.');
  await shot(page, test.info(), 'undelivered-01-offer-a-call');
  await page.getByRole('button', { name: 'Call me instead' }).click();
  await expect(page.locator('.lead')).toContainText('that the call to');
  await hydrated(page, true);
  await expect(page.locator('.delivery-state')).toHaveText('The call ended.');
  await enterCode(page, await codeHeardOnCall(page, phone.e164));
  expect(await returnedResult(page)).toMatchObject({ sub: user, method: 'call' });
});

test('a text message shows its delivery as Twilio reports it', async ({ page }) => {
  const phone = uniqueFrenchMobile();
  const user = await signInThroughRelyingApp(page, TWILIO_PORTAL_URL, 'sms-delivered');
  await registerPhone(page, 'sms', phone.national);
  await expect(page.locator('.delivery-state')).toHaveText('Delivered to your phone.');
  await shot(page, test.info(), 'sms-01-delivered');
  await enterCode(page, await codeTextedTo(page, phone.e164));
  expect(await returnedResult(page)).toMatchObject({ sub: user, method: 'sms' });
});

/** The code in the newest e-mail to `address` in the SMTP server's Maildir. */
async function codeMailedTo(address: string): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(() => {
      const folder = path.join(MAILDIR, 'new');
      const messages = fs.existsSync(folder) ? fs.readdirSync(folder).map((f) => fs.readFileSync(path.join(folder, f), 'utf8')) : [];
      const mine = messages.filter((m) => m.includes(`To: ${address}`));
      code = mine.pop()?.match(/verification code is (\d{6})/)?.[1];
      return code;
    })
    .toBeTruthy();
  return code!;
}

test('an e-mail code comes through the SMTP server', async ({ page }) => {
  const address = `${uniqueUser('smtp')}@example.org`;
  const user = await signInThroughRelyingApp(page, TWILIO_PORTAL_URL, 'smtp');
  await page.locator('button[data-channel="email"]').click();
  await expect(page).toHaveURL(/\/email$/);
  await hydrated(page, true);
  await page.getByLabel('E-mail address').fill(address);
  await page.getByRole('button', { name: /Send code/ }).click();
  await expect(page).toHaveURL(/\/verify$/);
  await expect(page.locator('.delivery-state')).toHaveText('Sent. Check your inbox, and your spam folder.');
  await hydrated(page, true);
  await enterCode(page, await codeMailedTo(address));
  expect(await returnedResult(page)).toMatchObject({ sub: user, method: 'email' });
});
