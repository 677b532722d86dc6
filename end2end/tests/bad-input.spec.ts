import { test, expect, Page } from '@playwright/test';
import { hydrated, latestCode, sentCount, shot, signInThroughDemo, uniqueFrenchMobile } from './helpers';

/** Signs in through the demo and stops on the phone form. */
async function reachPhoneForm(page: Page, javaScript: boolean) {
  await signInThroughDemo(page, 'bad', javaScript);
  await page.locator('button[data-channel="sms"]').click();
  await expect(page).toHaveURL(/\/phone$/);
  await hydrated(page, javaScript);
}

async function reachTokenForm(page: Page, javaScript: boolean) {
  await reachPhoneForm(page, javaScript);
  const phone = uniqueFrenchMobile();
  await page.getByLabel('Country').selectOption('FR');
  await page.getByLabel('Phone number').fill(phone.national);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page).toHaveURL(/\/verify$/);
  await hydrated(page, javaScript);
  return phone;
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: javaScript });

    test('an unparseable number is refused and what was typed stays in the form', async ({ page }) => {
      await reachPhoneForm(page, javaScript);
      await page.getByLabel('Country').selectOption('FR');
      await page.getByLabel('Phone number').fill('06 12 not a number');
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect(page.getByRole('alert')).toHaveText(/This phone number is not valid/);
      await expect(page.getByLabel('Phone number')).toHaveValue('06 12 not a number');
      await expect(page.getByLabel('Country')).toHaveValue('FR');
      await shot(page, test.info(), `invalid-number-${javaScript ? 'js' : 'nojs'}`);
    });

    test('a landline cannot receive a text message', async ({ page }) => {
      await reachPhoneForm(page, javaScript);
      await page.getByLabel('Country').selectOption('FR');
      await page.getByLabel('Phone number').fill('01 42 68 53 00');
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect(page.getByRole('alert')).toHaveText(/Text messages can only go to a mobile number/);
      await expect(page.getByLabel('Phone number')).toHaveValue('01 42 68 53 00');
    });

    test('letters in the code are refused without spending an attempt', async ({ page }) => {
      await reachTokenForm(page, javaScript);
      await page.getByLabel('Verification code').fill('12ab56');
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText('The code is made of digits only.');
      await expect(page.locator('.attempts')).toHaveText('5 attempts left');
      await page.getByLabel('Verification code').fill('1234567890');
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText('The code has 6 digits.');
    });

    test('a code typed with spaces and dashes is accepted', async ({ page }) => {
      const phone = await reachTokenForm(page, javaScript);
      const code = await latestCode(page.request, phone.e164);
      await page.getByLabel('Verification code').fill(` ${code.slice(0, 3)} - ${code.slice(3)} `);
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await expect(page).toHaveURL(/\/success$/);
    });

    test('five wrong codes end the request on the failure page, with the way back', async ({ page }) => {
      const phone = await reachTokenForm(page, javaScript);
      const code = await latestCode(page.request, phone.e164);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let left = 4; left >= 1; left--) {
        await page.getByLabel('Verification code').fill(wrong);
        await page.getByRole('button', { name: 'Verify', exact: true }).click();
        await expect(page.getByRole('alert')).toHaveText('This code is not right. Check it and try again.');
        await expect(page.locator('.attempts')).toHaveText(left === 1 ? '1 attempt left' : `${left} attempts left`);
        await hydrated(page, javaScript);
      }
      await page.getByLabel('Verification code').fill(wrong);
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await expect(page).toHaveURL(/\/failure$/);
      await expect(page.locator('.lead')).toHaveText(/Too many wrong codes were entered/);
      await hydrated(page, javaScript);
      await shot(page, test.info(), `failure-${javaScript ? 'js' : 'nojs'}`);
      // Wrong codes count for the whole request: no second try, only the way back.
      await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
      await page.getByRole('button', { name: /Back to/ }).click();
      await expect(page).toHaveURL(/error=verification_failed/);
    });

    test('asking for a new code too soon says how long to wait', async ({ page }) => {
      const phone = await reachTokenForm(page, javaScript);
      const resend = page.getByRole('button', { name: 'Send a new code' });
      if (javaScript) {
        await expect(resend).toBeDisabled();
        const hint = page.locator('.resend .hint');
        await expect(hint).toHaveText(/You can ask for a new code in \d+ seconds\./);
        // The countdown keeps its distance from the button (the island's wrapper is out of the
        // layout): beside it, or on the line below when the sentence is long.
        const [button, words] = [await resend.boundingBox(), await hint.boundingBox()];
        const beside = words!.x - (button!.x + button!.width) >= 8;
        const below = words!.y >= button!.y + button!.height;
        expect(beside || below).toBeTruthy();
      } else {
        // Without JavaScript the button only looks unavailable; an early click is told the wait.
        await expect(resend).toHaveAttribute('aria-disabled', 'true');
        // Playwright takes aria-disabled for disabled; a browser posts the form on a click.
        await resend.click({ force: true });
        await expect(page.getByRole('alert')).toHaveText(/Please wait \d+ seconds before asking for a new code\./);
        // That refusal is about no field: it takes the focus itself.
        await expect(page.getByRole('alert')).toBeFocused();
        expect(await sentCount(page.request, phone.e164)).toBe(1);
      }
    });
  });
}

test('a tampered request is refused with a clear page', async ({ page }) => {
  await page.goto('/start?request=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.forged');
  await expect(page).toHaveURL(/\/failure$/);
  await expect(page.locator('.lead')).toHaveText('The link that brought you here is not valid.');
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await shot(page, test.info(), 'tampered-request');
});

test('the language picker switches the portal to French and back', async ({ page }) => {
  await page.goto('/demo');
  await hydrated(page, true);
  await page.getByLabel('Language').selectOption('fr');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/\/demo$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Application de démonstration');
  await page.getByLabel('Langue').selectOption('en');
  await page.getByRole('button', { name: 'Appliquer' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Demo application');
});

test('the outbox lists what the console gateway sent', async ({ page }) => {
  await page.goto('/dev/outbox');
  await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
  await shot(page, test.info(), 'outbox');
});
