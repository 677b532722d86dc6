import { defineConfig, devices } from '@playwright/test';
import * as path from 'path';
import {
  CLIENT_SECRET,
  E2E_DATA as data,
  HOST_SITE_URL,
  HOST_TARGET_DIR,
  MAILDIR,
  SMTP_PORT,
  STANDIN_URL,
  TARGET_DIR as target,
  TWILIO_PORTAL_URL,
  VERIFY_PORTAL_URL,
} from './tests/services';

/** One more portal, from the release build, for the provider tests: `gateway` against the Twilio
 *  stand-in (whose credentials are the constants of tests/integration/twilio_standin/mod.rs). It has
 *  no `/demo` (console gateway only): the tests play its relying application with CLIENT_SECRET. */
function portal(url: string, gateway: string, settings: Record<string, string>) {
  const { host } = new URL(url);
  return {
    command: path.join(target, 'release/leptos-2fa'),
    cwd: '..',
    url: `${url}/healthz`,
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: host,
      // The release build names its files by content hash (hash.txt beside the binary).
      LEPTOS_HASH_FILES: 'true',
      TWOFA_PUBLIC_URL: url,
      TWOFA_DATA_DIR: path.join(data, gateway),
      TWOFA_DATABASE_URL: `sqlite://${path.join(data, gateway, 'portal.db')}`,
      TWOFA_GATEWAY: gateway,
      TWOFA_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
      TWOFA_TWILIO_AUTH_TOKEN: 'standin-auth-token-0123456789',
      TWOFA_CLIENT_SECRET: CLIENT_SECRET,
      TWOFA_LOG: 'warn',
      // The name on the way back, for requests that give none.
      TWOFA_APPLICATION_NAME: 'Acme Mail',
      ...settings,
    } as Record<string, string>,
    reuseExistingServer: false,
  };
}

// Debian's chromium: Playwright's own browser download cannot run on these machines.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.PORTAL_URL ?? 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: path.join(target, 'debug/examples/twilio_standin'),
      url: `${STANDIN_URL}/_test/messages`,
      env: { ...process.env, TWILIO_STANDIN_ADDR: '127.0.0.1:3010' } as Record<string, string>,
      reuseExistingServer: false,
    },
    {
      command: `/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:${SMTP_PORT} -c aiosmtpd.handlers.Mailbox ${MAILDIR}`,
      port: SMTP_PORT,
      reuseExistingServer: false,
    },
    portal(TWILIO_PORTAL_URL, 'twilio', {
      TWOFA_TWILIO_FROM: '+15005550006',
      TWOFA_TWILIO_API_URL: STANDIN_URL,
      TWOFA_SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    }),
    portal(VERIFY_PORTAL_URL, 'twilio-verify', {
      TWOFA_TWILIO_VERIFY_SERVICE_SID: 'VA00000000000000000000000000000004',
      TWOFA_TWILIO_VERIFY_URL: STANDIN_URL,
      TWOFA_METHODS: 'sms,call,email,whatsapp',
    }),
    // The example host site, on the console gateway (its outbox is /2fa/dev/outbox).
    {
      command: path.join(HOST_TARGET_DIR, 'release/host-site'),
      cwd: '..',
      url: `${HOST_SITE_URL}/`,
      env: {
        ...process.env,
        LEPTOS_SITE_ADDR: new URL(HOST_SITE_URL).host,
        LEPTOS_SITE_ROOT: 'target/host-site',
        LEPTOS_OUTPUT_NAME: 'host-site',
        // Its own build names its files without hashes; the portal's settings are inherited.
        LEPTOS_HASH_FILES: 'false',
        TWOFA_PUBLIC_URL: HOST_SITE_URL,
        TWOFA_DATA_DIR: path.join(data, 'host-site'),
        TWOFA_DATABASE_URL: `sqlite://${path.join(data, 'host-site', '2fa.db')}`,
        RUST_LOG: 'warn',
      } as Record<string, string>,
      reuseExistingServer: false,
    },
  ],
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
