// The browser step of bin/e2e-openwebui: Debian's chromium, driven by playwright-core, logs in to OpenWebUI, sends
// one message, waits for HAIA's streamed answer to appear and saves a screenshot of the chat page.
//
// Usage: node browser.mjs <OpenWebUI URL> <email> <password> <message> <expected answer> <screenshot path> [expand]
// With [expand], the text of a collapsed panel (HAIA's tool call) to click open before the screenshot.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, email, password, message, answer, screenshot, expand] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'haia-e2e-chromium-'));
const started = Date.now();
const log = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${what}`);

// launchPersistentContext gives the browser a fresh profile directory of our own (--user-data-dir)
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-default-apps',
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(60_000);
  // nothing outside this machine: OpenWebUI's page may reference external assets; refuse them
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());

  await page.goto(`${url}/auth`);
  await page.locator('input#email').fill(email);
  await page.locator('input[type="password"]').first().fill(password);
  await page.locator('button[type="submit"]').first().click();
  await page.locator('#chat-input').waitFor({ state: 'visible' });
  log('logged in');
  // a first login shows the "what's new" dialog over the chat; close it as a user would
  const dialog = page.locator('div[role="dialog"]');
  if (await dialog.isVisible().catch(() => false)) {
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 }).catch(async () => {
      await dialog.getByRole('button').last().click();
    });
    log('closed the welcome dialog');
  }

  await page.locator('#chat-input').click();
  await page.keyboard.type(message);
  await page.keyboard.press('Enter');
  log('message sent');

  // the answer streams in word by word; wait until all of it is on the page
  await page.getByText(answer, { exact: false }).last().waitFor({ state: 'visible' });
  log('streamed answer shown');
  if (expand) {
    await page.getByText(expand, { exact: false }).last().click();
    log(`opened the panel of ${expand}`);
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(500);
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: false });
  log(`logged in, sent a message, HAIA's answer shown, screenshot saved`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
