import { test, expect, Page } from '@playwright/test';
import { cspViolations, hydrated, unhydratedIslands, latestCode, sentCount, shot, signInThroughDemo, uniqueFrenchMobile, uniqueUser, wrongCode } from './helpers';

interface Texts {
  methodsTitle: RegExp;
  sms: RegExp;
  phoneTitle: RegExp;
  country: string;
  number: string;
  sendCode: RegExp;
  codeLabel: string;
  verify: RegExp;
  wrong: RegExp;
  successTitle: RegExp;
  continueTo: RegExp;
  verifiedBy: RegExp;
}

const english: Texts = {
  methodsTitle: /How should we send your code\?/,
  sms: /Text message/,
  phoneTitle: /Add your phone number/,
  country: 'Country',
  number: 'Phone number',
  sendCode: /Send code/,
  codeLabel: 'Verification code',
  verify: /^Verify$/,
  wrong: /This code is not right\. Check it and try again\./,
  successTitle: /You are verified/,
  continueTo: /Continue to Demo application/,
  verifiedBy: /passed two-step verification by text message/,
};

const french: Texts = {
  methodsTitle: /Comment recevoir votre code/,
  sms: /SMS/,
  phoneTitle: /Ajoutez votre numéro de téléphone/,
  country: 'Pays',
  number: 'Numéro de téléphone',
  sendCode: /Envoyer le code/,
  codeLabel: 'Code de vérification',
  verify: /^Vérifier$/,
  wrong: /Ce code n’est pas le bon\. Vérifiez-le et réessayez\./,
  successTitle: /Vous êtes vérifié/,
  continueTo: /Continuer vers /,
  verifiedBy: /a passé la vérification en deux étapes par SMS/,
};

/** The whole journey from the demo application and back, reading the code from the outbox. */
async function verifyThroughTheDemo(page: Page, texts: Texts, javaScript: boolean, label: string) {
  const info = test.info();
  const violations = cspViolations(page);
  const missing = unhydratedIslands(page);
  const phone = uniqueFrenchMobile();
  const user = await signInThroughDemo(page, label, javaScript);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(texts.methodsTitle);
  await shot(page, info, `${label}-02-methods`);
  await page.locator('button[data-channel="sms"]').click();

  await expect(page).toHaveURL(/\/phone$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(texts.phoneTitle);
  await hydrated(page, javaScript);
  await page.getByLabel(texts.country).selectOption('FR');
  await page.getByLabel(texts.number).fill(phone.national);
  await shot(page, info, `${label}-03-phone`);
  await page.getByRole('button', { name: texts.sendCode }).click();

  await expect(page).toHaveURL(/\/verify$/);
  await hydrated(page, javaScript);
  await expect(page.locator('.lead')).toContainText(phone.e164.slice(-2));
  const code = await latestCode(page.request, phone.e164);
  await shot(page, info, `${label}-04-token`);

  await page.getByLabel(texts.codeLabel).fill(wrongCode(code));
  await page.getByRole('button', { name: texts.verify }).click();
  await expect(page.getByRole('alert')).toHaveText(texts.wrong);
  await hydrated(page, javaScript);
  await shot(page, info, `${label}-05-wrong-code`);

  await page.getByLabel(texts.codeLabel).fill(code);
  await page.getByRole('button', { name: texts.verify }).click();

  await expect(page).toHaveURL(/\/success$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(texts.successTitle);
  await shot(page, info, `${label}-06-success`);
  await page.getByRole('button', { name: texts.continueTo }).click();

  await expect(page).toHaveURL(/\/demo\/return\?result=/);
  await expect(page.locator('[data-verified-user]')).toHaveAttribute('data-verified-user', user);
  await expect(page.locator('[data-verified-user]')).toHaveText(texts.verifiedBy);
  await shot(page, info, `${label}-07-back-in-the-app`);
  // Every page hydrated (or posted its forms) under the security headers' policy, every island with it.
  expect(violations).toEqual([]);
  expect(missing).toEqual([]);
}

test.describe('with JavaScript', () => {
  test('a user verifies a new phone number by text message and returns verified', async ({ page }) => {
    await verifyThroughTheDemo(page, english, true, 'js');
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the same journey works with plain form posts', async ({ page }) => {
    await verifyThroughTheDemo(page, english, false, 'nojs');
  });
});

test.describe('in French', () => {
  test.use({ locale: 'fr-FR' });

  test('the journey speaks French from the Accept-Language header', async ({ page }) => {
    await verifyThroughTheDemo(page, french, true, 'fr');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  });
});

test('a user verifies an e-mail address with the code from the e-mail', async ({ page }) => {
  const info = test.info();
  const address = `${uniqueUser('mail')}@example.org`;
  await signInThroughDemo(page, 'mail');
  await page.locator('button[data-channel="email"]').click();

  await expect(page).toHaveURL(/\/email$/);
  await hydrated(page, true);
  await page.getByLabel('E-mail address').fill('not an address');
  await page.getByRole('button', { name: english.sendCode }).click();
  await expect(page.getByRole('alert')).toHaveText('This e-mail address is not valid.');
  await expect(page.getByLabel('E-mail address')).toHaveValue('not an address');
  await hydrated(page, true);
  await page.getByLabel('E-mail address').fill(address);
  await shot(page, info, 'email-01-address');
  await page.getByRole('button', { name: english.sendCode }).click();

  await expect(page).toHaveURL(/\/verify$/);
  await expect(page.locator('.lead')).toContainText('Enter the 6-digit code from the e-mail');
  await hydrated(page, true);
  const code = await latestCode(page.request, address);
  await page.getByLabel(english.codeLabel).fill(code);
  await page.getByRole('button', { name: english.verify }).click();
  await expect(page).toHaveURL(/\/success$/);
  await page.getByRole('button', { name: english.continueTo }).click();
  await expect(page.locator('[data-verified-user]')).toHaveText(/passed two-step verification by e-mail/);
});

test('the style sheet is the content-hashed one from the build, and it applies', async ({ page }) => {
  await page.goto('/demo');
  const sheets = await page.evaluate(() =>
    Array.from(document.styleSheets).filter((sheet) => sheet.href?.includes('/pkg/')).map((sheet) => [sheet.href, sheet.cssRules.length] as const),
  );
  expect(sheets).toHaveLength(1);
  expect(sheets[0][0]).toMatch(/\/pkg\/leptos-2fa\.[\w-]+\.css$/);
  expect(sheets[0][1]).toBeGreaterThan(20);
});

test('on a phone-sized screen every page fits without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signInThroughDemo(page, 'small');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, test.info(), 'small-screen-methods');
  await page.locator('button[data-channel="sms"]').click();
  await expect(page).toHaveURL(/\/phone$/);
  await hydrated(page, true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await shot(page, test.info(), 'small-screen-phone');
});

test('a user with a number adds an e-mail address: the number gets a code first, then the address', async ({ page }) => {
  const info = test.info();
  const violations = cspViolations(page);
  const phone = uniqueFrenchMobile();
  const address = `${uniqueUser('add')}@example.org`;
  await page.goto('/demo');
  await hydrated(page, true);
  await page.getByLabel(/User name/).fill(uniqueUser('add'));
  await page.getByLabel(/Phone number the application already knows/).fill(phone.e164);
  await page.getByRole('button', { name: /Sign in with two-step verification/ }).click();
  await expect(page).toHaveURL(/\/methods$/);
  await hydrated(page, true);
  await page.locator('button[data-channel="email"]').click();
  await expect(page).toHaveURL(/\/email$/);
  await hydrated(page, true);
  await page.getByLabel('E-mail address').fill(address);
  await page.getByRole('button', { name: english.sendCode }).click();

  // Someone holding only the session cannot add an address of their own: the number comes first.
  await expect(page).toHaveURL(/\/verify$/);
  await expect(page.locator('.notice.info')).toHaveText(/first enter the code we just sent to a number or address you already use/);
  await hydrated(page, true);
  await shot(page, info, 'add-email-01-confirm-number');
  expect(await sentCount(page.request, address)).toBe(0);
  await page.getByLabel(english.codeLabel).fill(await latestCode(page.request, phone.e164));
  await page.getByRole('button', { name: english.verify }).click();

  await expect(page.locator('.notice.info')).toHaveText(/Now enter the code we sent to the new number or address/);
  await hydrated(page, true);
  await shot(page, info, 'add-email-02-code-to-address');
  await page.getByLabel(english.codeLabel).fill(await latestCode(page.request, address));
  await page.getByRole('button', { name: english.verify }).click();
  await expect(page).toHaveURL(/\/success$/);
  await expect.poll(async () => (await sentCount(page.request, phone.e164))).toBe(2);
  expect(violations).toEqual([]);
});

test('the browser build carries the islands only: no sentence of any language ships in it', async ({ page }) => {
  await page.goto('/demo');
  const wasm = await page.locator('link[rel="preload"][href$=".wasm"]').getAttribute('href');
  expect(wasm).toMatch(/^\/pkg\/leptos-2fa\.[\w-]+\.wasm$/);
  const bytes = await (await page.request.get(wasm!)).body();
  expect(bytes.length).toBeGreaterThan(10_000);
  const text = bytes.toString('latin1');
  // A page sentence and a refusal, in each shipped language: the server words them all.
  for (const sentence of ['This code is not right', 'Ce code n’est pas le bon', 'How should we send your code', 'You can ask for a new code']) {
    expect(text.includes(Buffer.from(sentence, 'utf8').toString('latin1')), sentence).toBe(false);
  }
});
