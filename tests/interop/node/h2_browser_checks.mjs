// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opening a
// WebSocket over HTTP/2 (RFC 8441) to wswire's h2_server --tls.
//
// usage: node h2_browser_checks.mjs https://127.0.0.1:PORT
//
// Chromium runs a WebSocket over HTTP/2 only on an HTTP/2 connection it already has to the
// same origin, over TLS, whose server sent SETTINGS_ENABLE_CONNECT_PROTOCOL. So the page
// is loaded from the server itself (GET /plain), then opens wss://same-origin/echo. The
// server's certificate is made at its start-up: Chromium is told to ignore certificate
// errors. Prints one line per check.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { SIZES, Report, within } from './common.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const report = new Report('chromium-h2');

const [base] = process.argv.slice(2);
if (!base || !base.startsWith('https://')) {
  console.error('usage: node h2_browser_checks.mjs https://127.0.0.1:PORT');
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), 'wswire-h2-chromium-'));
let context;
try {
  context = await within(60_000, 'launch chromium', chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--ignore-certificate-errors',
    ],
  }));
  const page = await context.newPage();
  await page.goto(`${base}/plain`, { timeout: 30_000 });
  const nextHop = await page.evaluate(
    () => performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? 'unknown');
  if (nextHop === 'h2') report.ok('page over HTTP/2', nextHop);
  else report.fail('page over HTTP/2', `nextHopProtocol ${nextHop}`);

  const wsUrl = `${base.replace(/^https:/, 'wss:')}/echo`;
  const results = await within(120_000, 'scenario', page.evaluate(async ({ url, sizes }) => {
    const out = [];
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const queue = [];
    let wake = null;
    ws.onmessage = (e) => { queue.push(e.data); if (wake) { wake(); wake = null; } };
    const closed = new Promise((resolve) => { ws.onclose = (e) => resolve(e); });
    const opened = await Promise.race([
      new Promise((resolve) => { ws.onopen = () => resolve(true); }),
      closed.then((e) => `closed before open: code ${e.code}`),
      new Promise((resolve) => setTimeout(() => resolve('no open within 20 s'), 20_000)),
    ]);
    if (opened !== true) {
      out.push({ name: 'open', ok: false, why: String(opened) });
      return out;
    }
    out.push({ name: 'open', ok: true, detail: `extensions "${ws.extensions}"` });
    out.push({ name: 'permessage-deflate negotiated', ok: ws.extensions.startsWith('permessage-deflate'),
      why: `extensions "${ws.extensions}"`, detail: ws.extensions });
    const next = async () => {
      while (queue.length === 0) {
        await Promise.race([
          new Promise((resolve) => { wake = resolve; }),
          new Promise((_, reject) => setTimeout(() => reject(new Error('no echo within 20 s')), 20_000)),
        ]);
      }
      return queue.shift();
    };
    for (const n of sizes) {
      const text = 'aé€😀'.repeat(Math.ceil(n / 4)).slice(0, n);
      ws.send(text);
      const got = await next();
      out.push({ name: `text ${text.length} chars`, ok: got === text, why: 'echo differs', detail: 'echoed' });
      const bytes = new Uint8Array(n);
      let x = n + 1;
      for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; bytes[i] = x >>> 24; }
      ws.send(bytes);
      const back = new Uint8Array(await next());
      const same = back.length === n && back.every((b, i) => b === bytes[i]);
      out.push({ name: `binary ${n}`, ok: same, why: `echo of ${back.length} bytes differs`, detail: 'echoed' });
    }
    ws.close(1000, 'done');
    const e = await closed;
    out.push({ name: 'closing handshake', ok: e.code === 1000 && e.wasClean,
      why: `code ${e.code}, clean ${e.wasClean}`, detail: `code ${e.code}` });
    return out;
  }, { url: wsUrl, sizes: SIZES }));
  for (const r of results) {
    if (r.ok) report.ok(r.name, r.detail);
    else report.fail(r.name, r.why);
  }
} catch (e) {
  report.fail('browser', e);
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exitCode = report.exitCode();
