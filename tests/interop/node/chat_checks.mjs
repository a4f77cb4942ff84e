// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) in the chat
// example: two pages join the room, type into the form and press the button, and each
// sees what the other said.
//
// usage: node chat_checks.mjs CHAT_URL [SCREENSHOT.png]
//
// CHAT_URL is the chat example's page (http://127.0.0.1:PORT/). With SCREENSHOT, the
// second page is saved there at the end. Prints one line per check.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report, launchChromium } from './common.mjs';

const STEP = 15_000; // ms for any one wait
const report = new Report('chromium-chat');

const [chatUrl, screenshot] = process.argv.slice(2);
if (!chatUrl) {
  console.error('usage: node chat_checks.mjs CHAT_URL [SCREENSHOT.png]');
  process.exit(2);
}

/** Waits until `page`'s log has an entry equal to `text`. */
const sees = (page, text) => page.waitForFunction(
  (t) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === t),
  text, { timeout: STEP });

/** Types `text` into the form and presses the button, as a person would. */
async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
}

const profile = mkdtempSync(join(tmpdir(), 'wswire-interop-chat-'));
let context;
try {
  context = await launchChromium(profile);
  const errors = [];
  const open = async (name) => {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${name}: ${e}`));
    await page.goto(chatUrl, { timeout: 30_000 });
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'connected', null, { timeout: STEP });
    await page.fill('#name', name);
    return page;
  };
  const alice = await open('alice');
  const bob = await open('bob');
  report.ok('two pages joined', `${chatUrl}, chromium ${context.browser()?.version() ?? ''}`);

  const checks = [
    ['alice -> bob', alice, bob, 'alice: hello bob, héllo 😀'],
    ['bob -> alice', bob, alice, 'bob: hi alice'],
    ['alice sees her own message', alice, alice, 'alice: hello bob, héllo 😀'],
  ];
  for (const [name, from, to, line] of checks) {
    try {
      if (from !== to) await say(from, line.slice(line.indexOf(': ') + 2));
      await sees(to, line);
      report.ok(name, line);
    } catch (e) {
      report.fail(name, e);
    }
  }
  // A burst: every message arrives, in order, at the other page.
  try {
    const burst = Array.from({ length: 30 }, (_, i) => `burst ${i}`);
    for (const text of burst) await say(bob, text);
    await sees(alice, 'bob: burst 29');
    const got = await alice.evaluate(() => [...document.querySelectorAll('#log li')]
      .map((li) => li.textContent).filter((t) => t.startsWith('bob: burst ')));
    const want = burst.map((t) => `bob: ${t}`);
    report.check('a burst of 30 arrives in order', JSON.stringify(got) === JSON.stringify(want),
      `alice saw ${JSON.stringify(got)}`);
  } catch (e) {
    report.fail('a burst of 30 arrives in order', e);
  }
  if (screenshot) await bob.screenshot({ path: screenshot });
  report.check('no page errors', errors.length === 0, errors.join('; '));
} catch (e) {
  report.fail('browser', e);
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exitCode = report.exitCode();
