// A phone on a weak network (Chromium: 4× CPU slowdown, 400 kbit/s, 400 ms latency): the bytes a
// first walk through a sign-in moves (from /demo, nothing cached), and the token page opened cold
// (a fresh cache, the same session): when its code field is usable, when its islands are live.
// Run beside a portal on its embedded defaults: node weak-network.mjs [portal URL]
import { chromium } from '@playwright/test';

const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function weakPhone(context) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const moved = { bytes: 0 };
  cdp.on('Network.loadingFinished', (event) => { moved.bytes += event.encodedDataLength; });
  return { page, moved };
}

const walker = await browser.newContext({ viewport: { width: 390, height: 844 } });
const { page, moved } = await weakPhone(walker);
await page.goto(`${base}/demo`);
await page.getByLabel(/User name/).fill(`weak-${Date.now()}`);
await page.getByRole('button', { name: /Sign in with two-step verification/ }).click();
await page.waitForURL(/\/methods$/);
await page.locator('button[data-channel="sms"]').click();
await page.waitForURL(/\/phone$/);
await page.getByLabel('Country').selectOption('FR');
const digits = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
await page.getByLabel('Phone number').fill(`0612${digits}`);
await page.getByRole('button', { name: /Send code/ }).click();
await page.waitForURL(/\/verify$/);

const cold = await browser.newContext({ viewport: { width: 390, height: 844 } });
await cold.addCookies(await walker.cookies());
const { page: coldPage } = await weakPhone(cold);
const started = Date.now();
await coldPage.goto(`${base}/verify`, { waitUntil: 'commit' });
await coldPage.getByLabel('Verification code').waitFor();
const usable = Date.now() - started;
await coldPage.waitForSelector('main[data-hydrated="true"]', { timeout: 60_000 });
const live = Date.now() - started;

const entries = await (await page.request.get(`${base}/dev/outbox?format=json&to=%2B33612${digits}`)).json();
await page.getByLabel('Verification code').fill(entries[0].body.match(/\b(\d{6})\b/)[1]);
await page.getByRole('button', { name: /^Verify$/ }).click();
await page.waitForURL(/\/success$/);
console.log(JSON.stringify({ coldTokenPageUsableMs: usable, coldTokenPageHydratedMs: live, firstWalkBytes: moved.bytes }));
await browser.close();
