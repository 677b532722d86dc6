import { test, expect, Page } from '@playwright/test';
import { cspViolations, latestCode, sentCount, shot, uniqueFrenchMobile } from './helpers';
import { HOST_SITE_URL as site } from './services';

const outbox = `${site}/2fa/dev/outbox`;

/** Waits until the embedded 2FA card is interactive. */
async function twofaReady(page: Page) {
  await expect(page.locator('#twofa')).toHaveAttribute('data-hydrated', 'true');
}

async function signIn(page: Page, user: string) {
  await expect(page).toHaveURL(`${site}/sign-in?next=/account`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill('northwind');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Alice's way through the embedded pages to the guarded page and out again, by text or e-mail
 *  (each run its own channel: a code to the same one would wait out the resend cooldown). Without
 *  JavaScript every form is a plain post; with it, the host's own WASM hydrates the pages. */
async function throughTheEmbeddedPages(page: Page, javaScript: boolean, channel: 'sms' | 'email') {
  const info = test.info();
  const label = javaScript ? 'host' : 'host-nojs';
  const to = channel === 'sms' ? '+33612345678' : 'alice@northwind.example';
  const violations = cspViolations(page);
  await page.goto(`${site}/account`);
  await signIn(page, 'alice');

  // The 2FA pages, inside the host's own layout: its header, its footer, no portal chrome.
  await expect(page).toHaveURL(`${site}/2fa/methods`);
  if (javaScript) await twofaReady(page);
  await expect(page.locator('.site-header')).toContainText('Northwind Savings');
  await expect(page.locator('.site-header')).toContainText('Signed in as alice');
  await expect(page.locator('.masthead')).toHaveCount(0);
  await expect(page.locator('button[data-channel="sms"]')).toContainText(/\+33\s[•\s]+78/);
  await shot(page, info, `${label}-01-methods`);

  const before = await sentCount(page.request, to, outbox);
  await page.locator(`button[data-channel="${channel}"]`).click();
  await expect(page).toHaveURL(`${site}/2fa/verify`);
  if (javaScript) await twofaReady(page);
  const code = await latestCode(page.request, to, before, outbox);
  await page.getByLabel('Verification code').fill(code);
  await shot(page, info, `${label}-02-token`);
  await page.getByRole('button', { name: /^Verify$/ }).click();

  await expect(page).toHaveURL(`${site}/2fa/success`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(`${site}/account`);
  await expect(page.locator('.site-verified')).toHaveText(`Second factor passed by ${channel}.`);
  await shot(page, info, `${label}-03-account`);
  expect(violations).toEqual([]);

  // Signing out forgets the second factor with the session.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${site}/`);
  await page.goto(`${site}/account`);
  await expect(page).toHaveURL(`${site}/sign-in?next=/account`);
}

test('the host site sends a signed-in user through its embedded 2FA pages to the guarded page', async ({ page }) => {
  await throughTheEmbeddedPages(page, true, 'sms');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the embedded pages work with plain form posts', async ({ page }) => {
    await throughTheEmbeddedPages(page, false, 'email');
  });
});

test('a user the host has no number for registers one after a code to his address, and the host saves it from the event', async ({ page }) => {
  const phone = uniqueFrenchMobile();
  await page.goto(`${site}/account`);
  await signIn(page, 'bob');
  await expect(page).toHaveURL(`${site}/2fa/methods`);
  await twofaReady(page);
  await page.locator('button[data-channel="sms"]').click();
  await expect(page).toHaveURL(`${site}/2fa/phone`);
  await twofaReady(page);
  await page.getByLabel('Country').selectOption('FR');
  await page.getByLabel('Phone number').fill(phone.national);
  await page.getByRole('button', { name: /Send code/ }).click();
  // The host vouches for bob's e-mail address: it gets a code before the new number does.
  await expect(page).toHaveURL(`${site}/2fa/verify`);
  await expect(page.locator('.notice.info')).toHaveText(/first enter the code we just sent to a number or address you already use/);
  await twofaReady(page);
  await page.getByLabel('Verification code').fill(await latestCode(page.request, 'bob@northwind.example', 0, outbox));
  await page.getByRole('button', { name: /^Verify$/ }).click();
  await expect(page.locator('.notice.info')).toHaveText(/Now enter the code we sent to the new number or address/);
  await twofaReady(page);
  await page.getByLabel('Verification code').fill(await latestCode(page.request, phone.e164, 0, outbox));
  await page.getByRole('button', { name: /^Verify$/ }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(`${site}/account`);
  await expect(page.locator('.site-phone')).toHaveText(`Phone number on file: ${phone.e164}`);
});

test('the guarded page and the 2FA entry turn away visitors who are not signed in', async ({ page }) => {
  await page.goto(`${site}/2fa/start?next=/account`);
  await expect(page).toHaveURL(`${site}/sign-in`);
  const response = await page.request.get(`${site}/account`, { maxRedirects: 0, headers: { Accept: 'text/html' } });
  expect(response.status()).toBe(302);
  expect(response.headers()['location']).toBe('/sign-in?next=/account');
});

test('a next page on another site is never followed after 2FA', async ({ page }) => {
  await page.goto(`${site}/account`);
  await signIn(page, 'alice');
  await expect(page).toHaveURL(`${site}/2fa/methods`);
  // A crafted link naming another site: the flow still ends on the host's own pages.
  await page.goto(`${site}/2fa/start?next=//evil.example/`);
  await expect(page).toHaveURL(`${site}/2fa/methods`);
  await twofaReady(page);
  const before = await sentCount(page.request, '+33612345678', outbox);
  await page.locator('button[data-channel="call"]').click();
  await expect(page).toHaveURL(`${site}/2fa/verify`);
  await twofaReady(page);
  await page.getByLabel('Verification code').fill(await latestCode(page.request, '+33612345678', before, outbox));
  await page.getByRole('button', { name: /^Verify$/ }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(`${site}/account`);
});
