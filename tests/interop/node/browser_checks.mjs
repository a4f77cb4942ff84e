// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against
// wswire's echo_server.
//
// usage: node browser_checks.mjs DEFLATE_URL NO_DEFLATE_URL PROTOCOL_URL
//
// Serves page.html from a loopback HTTP server; the page opens WebSockets to the echo
// servers and runs the checks (runScenario); this prints one line per check. Chromium
// always offers "permessage-deflate; client_max_window_bits" and has no API for
// fragments or pings, so those are not checked here.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIZES, Report, launchChromium, within } from './common.mjs';

const SCENARIO_LIMIT = 120_000; // ms for one page.evaluate
const report = new Report('chromium');

const [deflateUrl, noDeflateUrl, protocolUrl] = process.argv.slice(2);
if (!protocolUrl) {
  console.error('usage: node browser_checks.mjs DEFLATE_URL NO_DEFLATE_URL PROTOCOL_URL');
  process.exit(2);
}

const page_html = readFileSync(new URL('./page.html', import.meta.url));
const http = createServer((req, res) => {
  if (req.url === '/' || req.url === '/page.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page_html);
  } else {
    res.writeHead(req.url === '/favicon.ico' ? 204 : 404);
    res.end();
  }
});
http.listen(0, '127.0.0.1');
await once(http, 'listening');
const pageUrl = `http://127.0.0.1:${http.address().port}/page.html`;

const profile = mkdtempSync(join(tmpdir(), 'wswire-interop-chromium-'));
let context;
try {
  context = await launchChromium(profile);
  const browserVersion = context.browser()?.version() ?? 'unknown';
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(pageUrl, { timeout: 30_000 });
  console.error(`browser_checks: chromium ${browserVersion}, page ${pageUrl}`);

  const scenarios = [
    { url: deflateUrl, tag: 'deflate=default', expectDeflate: true, sizes: SIZES },
    { url: noDeflateUrl, tag: 'deflate=server-off', expectDeflate: false, sizes: SIZES },
    { url: protocolUrl, tag: 'protocol=chat deflate=default', expectDeflate: true,
      protocols: ['chat'], expectProtocol: 'chat', sizes: [1, 126] },
    { url: protocolUrl, tag: 'protocol=x-other,chat deflate=default', expectDeflate: true,
      protocols: ['x-other', 'chat'], expectProtocol: 'chat', sizes: [1] },
  ];
  for (const cfg of scenarios) {
    try {
      const results = await within(SCENARIO_LIMIT, cfg.tag,
        page.evaluate((c) => window.runScenario(c), cfg));
      for (const r of results) {
        if (r.ok) report.ok(r.name, r.detail);
        else report.fail(r.name, r.why);
      }
    } catch (e) {
      report.fail(`scenario ${cfg.tag}`, e);
    }
  }
  if (consoleErrors.length) console.error(`browser_checks: page console errors:\n  ${consoleErrors.join('\n  ')}`);
} catch (e) {
  report.fail('browser', e);
} finally {
  await context?.close().catch(() => {});
  http.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exitCode = report.exitCode();
