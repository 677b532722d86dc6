import { defineConfig, devices } from '@playwright/test';
import * as path from 'path';
import { E2E_DATA as data, MAILDIR, SMTP_PORT, STANDIN_URL, TARGET_DIR as target, TWILIO_PORTAL_URL } from './tests/services';

// A second portal for the provider tests, on the Twilio stand-in and a real SMTP server.
// The stand-in's credentials are the constants of tests/twilio_standin/mod.rs.

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
    {
      command: path.join(target, 'release/leptos-2fa'),
      cwd: '..',
      url: `${TWILIO_PORTAL_URL}/healthz`,
      env: {
        ...process.env,
        LEPTOS_SITE_ADDR: '127.0.0.1:3002',
        TWOFA_PUBLIC_URL: TWILIO_PORTAL_URL,
        TWOFA_DATA_DIR: path.join(data, 'twilio'),
        TWOFA_DATABASE_URL: `sqlite://${path.join(data, 'twilio/portal.db')}`,
        TWOFA_GATEWAY: 'twilio',
        TWOFA_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
        TWOFA_TWILIO_AUTH_TOKEN: 'standin-auth-token-0123456789',
        TWOFA_TWILIO_FROM: '+15005550006',
        TWOFA_TWILIO_API_URL: STANDIN_URL,
        TWOFA_SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
        TWOFA_LOG: 'warn',
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
