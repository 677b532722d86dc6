import { test, expect, Page } from '@playwright/test';
import { hydrated, latestCode, shot, uniqueFrenchMobile, uniqueUser, wrongCode } from './helpers';

interface Texts {
  demoSubmit: RegExp;
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
  demoSubmit: /Sign in with two-step verification/,
  methodsTitle: /How should we send your code\?/,
  sms: /Text message/,
  phoneTitle: /Add your phone number/,
  country: 'Country',
  number: 'Phone number',
  sendCode: /Send code/,
  codeLabel: 'Verification code',
  verify: /^Verify$/,
  wrong: /This code is not right\. Attempts left: 4\./,
  successTitle: /You are verified/,
  continueTo: /Continue to 127\.0\.0\.1/,
  verifiedBy: /passed two-step verification by text message/,
};

const french: Texts = {
  demoSubmit: /Se connecter avec la vérification en deux étapes/,
  methodsTitle: /Comment recevoir votre code/,
  sms: /SMS/,
  phoneTitle: /Ajoutez votre numéro de téléphone/,
  country: 'Pays',
  number: 'Numéro de téléphone',
  sendCode: /Envoyer le code/,
  codeLabel: 'Code de vérification',
  verify: /^Vérifier$/,
  wrong: /Ce code n’est pas le bon\. Essais restants : 4\./,
  successTitle: /Vous êtes vérifié/,
  continueTo: /Continuer vers 127\.0\.0\.1/,
  verifiedBy: /a passé la vérification en deux étapes par SMS/,
};

/** The whole journey from the demo application and back, reading the code from the outbox. */
async function verifyThroughTheDemo(page: Page, texts: Texts, javaScript: boolean, label: string) {
  const info = test.info();
  const user = uniqueUser(label);
  const phone = uniqueFrenchMobile();

  await page.goto('/demo');
  await hydrated(page, javaScript);
  await shot(page, info, `${label}-01-demo`);
  await page.getByLabel(/User name|Nom d’utilisateur/).fill(user);
  await page.getByRole('button', { name: texts.demoSubmit }).click();

  await expect(page).toHaveURL(/\/methods$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(texts.methodsTitle);
  await hydrated(page, javaScript);
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
