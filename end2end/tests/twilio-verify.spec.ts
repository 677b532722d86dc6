import { test, expect, Page } from '@playwright/test';
import { fromStandin, hydrated, returnedResult, sendCodeToPhone, shot, signInThroughRelyingApp, uniqueFrenchMobile } from './helpers';
import { STANDIN_URL, VERIFY_PORTAL_URL } from './services';

// The portal configured with TWOFA_GATEWAY=twilio-verify: the stand-in plays Twilio Verify.
test.use({ baseURL: VERIFY_PORTAL_URL });

interface VerifySend {
  to: string;
  channel: string;
  code: string;
}

/** The code Verify "sent" to `to` by `channel`. */
async function codeVerifySent(page: Page, to: string, channel: string): Promise<string> {
  return fromStandin(page, '/_test/verifications', (sends: VerifySend[]) =>
    sends.filter((s) => s.to === to && s.channel === channel).pop()?.code,
  );
}

for (const channel of ['sms', 'whatsapp']) {
  test(`Twilio Verify sends and checks the code (${channel})`, async ({ page }) => {
    const phone = uniqueFrenchMobile();
    const user = await signInThroughRelyingApp(page, VERIFY_PORTAL_URL, `verify-${channel}`);
    await shot(page, test.info(), `verify-${channel}-01-methods`);
    await sendCodeToPhone(page, channel, phone.national);
    await expect(page).toHaveURL(/\/verify$/);
    await hydrated(page, true);
    // Verify reports no delivery progress, so the page shows none.
    await expect(page.locator('.delivery')).toHaveCount(0);
    await shot(page, test.info(), `verify-${channel}-02-token`);
    const code = await codeVerifySent(page, phone.e164, channel);
    await page.getByLabel('Verification code').fill(code);
    await page.getByRole('button', { name: /^Verify$/ }).click();
    await expect(page).toHaveURL(/\/success$/);
    await page.getByRole('button', { name: 'Continue to Acme Mail' }).click();
    expect(await returnedResult(page)).toMatchObject({ sub: user, method: channel });
  });
}

test('a number Verify will not text keeps the user on the form with a way forward', async ({ page }) => {
  const phone = uniqueFrenchMobile();
  await page.request.post(`${STANDIN_URL}/_test/refuse`, { data: { to: phone.e164, error_code: 60205 } });
  await signInThroughRelyingApp(page, VERIFY_PORTAL_URL, 'verify-landline');
  await sendCodeToPhone(page, 'sms', phone.national);
  await expect(page).toHaveURL(/\/phone$/);
  await expect(page.getByRole('alert')).toHaveText(
    'Text messages can only go to a mobile number. Enter a mobile number or choose a phone call.',
  );
  await expect(page.getByLabel('Phone number')).toHaveValue(phone.national);
  await shot(page, test.info(), 'verify-landline-01-refused');
});
