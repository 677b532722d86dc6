import { test, expect } from '@playwright/test';
import { readdirSync } from 'fs';
import * as path from 'path';
import { latestCode, shot, uniqueFrenchMobile, uniqueUser } from './helpers';

/** Every language the portal ships: one locale file each. */
const LOCALES = readdirSync(path.join(__dirname, '..', '..', 'locales'))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  // English first: the others are checked against its headings.
  .sort((a, b) => Number(b === 'en') - Number(a === 'en') || a.localeCompare(b));

test.describe('every shipped language, without JavaScript', () => {
  test.use({ javaScriptEnabled: false, locale: 'en-US' });
  test.setTimeout(LOCALES.length * 15_000);

  test('a user picks each language and completes the whole flow in it', async ({ page }) => {
    expect(LOCALES.length).toBeGreaterThanOrEqual(32);
    const englishHeadings: string[] = [];
    for (const locale of LOCALES) {
      await test.step(locale, async () => {
        const phone = uniqueFrenchMobile();
        // The language picker: a plain form, on every page.
        await page.goto('/demo');
        await page.locator('#language-select').selectOption(locale);
        await page.locator('form.language button[type="submit"]').click();
        await expect(page).toHaveURL(/\/demo$/);
        await expect(page.locator('html')).toHaveAttribute('lang', locale);
        await page.locator('#user').fill(uniqueUser(`lang-${locale}`));
        await page.locator('main form button[type="submit"]').click();

        await expect(page).toHaveURL(/\/methods$/);
        const headings = [await page.locator('h1').innerText()];
        await page.locator('button[data-channel="sms"]').click();
        await expect(page).toHaveURL(/\/phone$/);
        headings.push(await page.locator('h1').innerText());
        await page.locator('#country').selectOption('FR');
        await page.locator('#number').fill(phone.national);
        await page.locator('main form.form button[type="submit"]').click();

        await expect(page).toHaveURL(/\/verify$/);
        headings.push(await page.locator('h1').innerText());
        // The title names the page, in the language.
        expect(await page.title()).toContain(headings[2]);
        const code = await latestCode(page.request, phone.e164);
        await page.locator('#code').fill(code);
        await page.locator('main form.form button[type="submit"]').click();

        await expect(page).toHaveURL(/\/success$/);
        headings.push(await page.locator('h1').innerText());
        if (locale === 'ar' || locale === 'he' || locale === 'fa' || locale === 'ur') {
          await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
        }
        if (locale === 'ar') await shot(page, test.info(), 'arabic-success');
        await page.locator('form[action$="/finish"] button').click();
        await expect(page).toHaveURL(/\/demo\/return/);
        await expect(page.locator('[data-verified-user]')).toBeVisible();
        await expect(page.locator('html')).toHaveAttribute('lang', locale);

        // Each page speaks this language: no heading is the English one.
        if (locale === 'en') englishHeadings.push(...headings);
        else if (englishHeadings.length) for (const heading of headings) expect(englishHeadings).not.toContain(heading);
        for (const heading of headings) expect(heading.trim()).not.toBe('');
      });
    }
  });
});
