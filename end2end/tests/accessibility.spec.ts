import AxeBuilder from '@axe-core/playwright';
import { test, expect, Page } from '@playwright/test';
import { hydrated, latestCode, shot, uniqueFrenchMobile, uniqueUser, wrongCode } from './helpers';

/** WCAG 2.0–2.2, levels A and AA: what axe-core can check. */
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function noAxeViolations(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = results.violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found).toEqual([]);
}

/** Tabs through the page until `selector` has the focus: it is reachable by keyboard alone. */
async function tabTo(page: Page, selector: string) {
  for (let presses = 0; presses < 40; presses++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} is not reachable with the Tab key`);
}

/** WCAG contrast ratio of two computed CSS colours (`rgb(…)`). */
async function contrast(page: Page, first: string, second: string): Promise<number> {
  return page.evaluate(
    ([a, b]) => {
      const luminance = (color: string) => {
        const [r, g, bl] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number).map((c) => {
          const s = c / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
      };
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    },
    [first, second],
  );
}

/** Every page of the flow, each checked by axe, with the journey's error states on the way. */
async function walkWithAxe(page: Page, label: string) {
  const info = test.info();
  const titles = new Set<string>();
  const check = async (where: string) => {
    await hydrated(page, true);
    await noAxeViolations(page, `${label} ${where}`);
    titles.add(await page.title());
    await shot(page, info, `${label}-${where}`);
  };
  await page.goto('/');
  await check('home');
  await page.goto('/demo');
  await check('demo');
  await page.locator('#user').fill(uniqueUser(label));
  await page.locator('main form button[type="submit"]').click();
  await expect(page).toHaveURL(/\/methods$/);
  await check('methods');
  await page.locator('button[data-channel="sms"]').click();
  await expect(page).toHaveURL(/\/phone$/);
  await check('phone');
  await page.locator('#number').fill('12');
  await page.locator('main form.form button[type="submit"]').click();
  await expect(page.getByRole('alert')).toBeVisible();
  await check('phone-refused');
  const phone = uniqueFrenchMobile();
  await page.locator('#country').selectOption('FR');
  await page.locator('#number').fill(phone.national);
  await page.locator('main form.form button[type="submit"]').click();
  await expect(page).toHaveURL(/\/verify$/);
  await check('verify');
  const code = await latestCode(page.request, phone.e164);
  await page.locator('#code').fill(wrongCode(code));
  await page.locator('#code').press('Enter');
  await expect(page.getByRole('alert')).toBeVisible();
  await check('verify-wrong-code');
  await page.locator('#code').fill(code);
  await page.locator('#code').press('Enter');
  await expect(page).toHaveURL(/\/success$/);
  await check('success');
  await page.locator('form[action$="/finish"] button').click();
  await expect(page).toHaveURL(/\/demo\/return/);
  await check('back-in-the-app');
  await page.goto('/start?request=not-a-request');
  await expect(page).toHaveURL(/\/failure$/);
  await check('failure');
  // A title of its own for every page (a refusal keeps its page's title).
  expect(titles.size).toBe(8);
}

for (const [label, locale, colorScheme] of [
  ['en', 'en-US', 'light'],
  ['en-dark', 'en-US', 'dark'],
  ['ar', 'ar', 'light'],
  ['de', 'de-DE', 'light'],
] as const) {
  test.describe(`axe, ${label}`, () => {
    test.use({ locale, colorScheme });
    test(`every page of the flow has no WCAG 2.2 A/AA violation (${label})`, async ({ page }) => {
      await walkWithAxe(page, `axe-${label}`);
      if (locale === 'ar') await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    });
  });
}

test.describe('at 320 px', () => {
  test.use({ viewport: { width: 320, height: 720 } });
  test('every page of the flow fits and passes axe at 320 px', async ({ page }) => {
    await walkWithAxe(page, 'w320');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  });
});

test('at 200 % text size a page needs no sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 640, height: 900 });
  await page.goto('/demo');
  // As a browser's text size setting does (an inline <style> would break the pages' CSP).
  await page.evaluate(() => document.documentElement.style.setProperty('font-size', '200%'));
  expect(await page.locator('#user').evaluate((e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(32);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
});

test('the whole flow works with the keyboard alone, and a wrong code leaves the focus on the field, marked and described', async ({ page }) => {
  const phone = uniqueFrenchMobile();
  await page.goto('/demo');
  await hydrated(page, true);
  await tabTo(page, '#user');
  await page.keyboard.type(uniqueUser('keys'));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/methods$/);
  await tabTo(page, 'button[data-channel="sms"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/phone$/);
  await expect(page.locator('#number')).toBeFocused();
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  // The field at fault keeps the focus, marked invalid and described by the refusal.
  await expect(page.locator('#number')).toBeFocused();
  await expect(page.locator('#number')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#number')).toHaveAttribute('aria-describedby', /\bnotice\b/);
  await expect(page.locator('#notice')).toHaveAttribute('role', 'alert');
  await page.locator('#number').fill('');
  // In international format: the country list stays on the browser's region.
  await page.keyboard.type(phone.e164);
  await tabTo(page, 'main form.form button[type="submit"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/verify$/);
  await expect(page.locator('#code')).toBeFocused();
  await expect(page.locator('#code')).not.toHaveAttribute('aria-invalid', 'true');
  const code = await latestCode(page.request, phone.e164);
  await page.keyboard.type(wrongCode(code));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveText('This code is not right. Check it and try again.');
  await expect(page.locator('#code')).toBeFocused();
  await expect(page.locator('#code')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#code')).toHaveAttribute('aria-describedby', 'notice code-status');
  // "Attempts left" is said once: in the field's status, not again in the refusal.
  await expect(page.locator('main')).toContainText('4 attempts left');
  expect((await page.locator('main').innerText()).match(/attempts? left/g)).toHaveLength(1);
  // A code pasted with spaces is the same code.
  await page.keyboard.type(`${code.slice(0, 3)} ${code.slice(3)}`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/success$/);
  await tabTo(page, 'form[action$="/finish"] button');
  await expect(page.locator('form[action$="/finish"] button')).toHaveText('Continue to Demo application');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/demo\/return/);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`contrast, ${colorScheme}`, () => {
    test.use({ colorScheme });
    test(`focus rings and field borders stand out 3:1 from the card (${colorScheme})`, async ({ page }) => {
      await page.goto('/demo');
      await hydrated(page, true);
      const card = await page.locator('main').evaluate((e) => getComputedStyle(e).backgroundColor);
      const page_ = await page.locator('body').evaluate((e) => getComputedStyle(e).backgroundColor);
      const border = await page.locator('#user').evaluate((e) => getComputedStyle(e).borderTopColor);
      expect(await contrast(page, border, card)).toBeGreaterThanOrEqual(3);
      await tabTo(page, '#user');
      const ring = await page.locator('#user').evaluate((e) => getComputedStyle(e).outlineColor);
      expect(await contrast(page, ring, card)).toBeGreaterThanOrEqual(3);
      await tabTo(page, 'main form button[type="submit"]');
      const buttonRing = await page.locator('main form button[type="submit"]').evaluate((e) => getComputedStyle(e).outlineColor);
      expect(await contrast(page, buttonRing, card)).toBeGreaterThanOrEqual(3);
      // The language picker sits on the page's background, outside the card.
      await tabTo(page, '#language-select');
      const pickerRing = await page.locator('#language-select').evaluate((e) => getComputedStyle(e).outlineColor);
      expect(await contrast(page, pickerRing, page_)).toBeGreaterThanOrEqual(3);
    });
  });
}

test('each language in the picker is named in itself and marked with its language', async ({ page }) => {
  await page.goto('/demo');
  const options = await page.locator('#language-select option').evaluateAll((all) =>
    all.map((o) => [(o as HTMLOptionElement).value, o.getAttribute('lang'), o.textContent]),
  );
  expect(options.length).toBeGreaterThanOrEqual(32);
  for (const [value, lang, name] of options) {
    expect(lang).toBe(value);
    expect(name?.trim()).not.toBe('');
  }
  expect(options).toContainEqual(['ar', 'ar', 'العربية']);
});

/** From the demo to the token page of a new number, by text message. */
async function reachTokenPage(page: Page, label: string) {
  const phone = uniqueFrenchMobile();
  await page.goto('/demo');
  await page.locator('#user').fill(uniqueUser(label));
  await page.locator('main form button[type="submit"]').click();
  await page.locator('button[data-channel="sms"]').click();
  await page.locator('#number').fill(phone.e164);
  await page.locator('main form.form button[type="submit"]').click();
  await expect(page).toHaveURL(/\/verify$/);
  await hydrated(page, true);
  return phone;
}

test('the resend countdown is not read out every second, and its end is announced once', async ({ page }) => {
  const phone = await reachTokenPage(page, 'countdown');
  const wait = page.locator('#resend-wait');
  await expect(wait).toHaveText(/You can ask for a new code in \d+ seconds?\./);
  // No live region around the ticking seconds.
  const live = await wait.evaluate((e) => e.closest('[aria-live], [role="status"], [role="alert"]') !== null);
  expect(live).toBe(false);
  await expect(page.getByRole('button', { name: 'Send a new code' })).toHaveAttribute('aria-describedby', 'resend-wait');
  // The polite region holds nothing while the countdown runs.
  await expect(page.locator('.resend [role="status"]')).toHaveText('');
  // The SMS carries the origin-bound line WebOTP and phones read.
  const sms = await (await page.request.get(`/dev/outbox?format=json&to=${encodeURIComponent(phone.e164)}`)).json();
  expect(sms[0].body).toMatch(/\n\n@127\.0\.0\.1 #\d{6}$/);
  await expect(page.locator('#code')).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(page.locator('#code')).toHaveAttribute('inputmode', 'numeric');
  // Once the wait is over the button works, and the polite region says so, once.
  await expect(page.locator('.resend [role="status"]')).toHaveText('You can now ask for a new code.', { timeout: 40_000 });
  await expect(page.getByRole('button', { name: 'Send a new code' })).toBeEnabled();
  await expect(wait).toHaveText('');
});

test.describe('in Arabic', () => {
  test.use({ locale: 'ar-EG' });
  test('the page turns right to left and the masked number stays left to right', async ({ page }) => {
    const phone = await reachTokenPage(page, 'rtl');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    const lead = await page.locator('.lead').textContent();
    expect(lead).toContain(`\u2066+33`);
    expect(lead).toContain(`${phone.e164.slice(-2)}\u2069`);
    // The layout mirrors: the card's heading starts at the right.
    const heading = await page.locator('h1').evaluate((e) => getComputedStyle(e).direction);
    expect(heading).toBe('rtl');
    await shot(page, test.info(), 'arabic-token');
  });
});
