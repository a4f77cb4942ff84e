// wswire's echo_client (or tokio_client) against Node `ws` servers.
//
// usage: node server_checks.mjs ECHO_CLIENT
//
// Starts ws servers on 127.0.0.1 (ephemeral ports), runs ECHO_CLIENT against them (each
// run bounded by `timeout`), and checks both sides: the client's `ok` lines, exit status
// and negotiated extension / subprotocol (its stderr), and the server's view: the answer it
// sent, each message's content as received, the Pongs to its Pings, the Close received.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { basename } from 'node:path';
import { WebSocketServer } from 'ws';
import {
  SIZES, Report, echoClientPayload, firstDifference, show, within,
} from './common.mjs';

const RUN_LIMIT = 60; // seconds for one echo_client run (the `timeout` around it)
const PING = Buffer.from('interop-ping');
// The client under test names its stderr lines and the report: echo_client, tokio_client.
const CLIENT = basename(process.argv[2] ?? 'echo_client');
const report = new Report(`${CLIENT}/node-server`);

process.on('uncaughtException', (e) => {
  report.fail('driver', `uncaught ${e.stack || e}`);
  process.exit(1);
});

const commands = (sizes = SIZES) =>
  ['text', 'binary'].flatMap((kind) => sizes.map((n) => [kind, n]));

async function startServer(options) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 << 20, ...options });
  await once(wss, 'listening');
  const records = new Map();
  wss.on('headers', (headers, req) => {
    const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
    req.answer = line ? line.replace(/^[^:]*:\s*/, '') : null;
  });
  wss.on('connection', (ws, req) => {
    const rec = {
      offer: req.headers['sec-websocket-extensions'] ?? null,
      answer: req.answer,
      subprotocol: ws.protocol,
      received: [],
      pongs: 0,
      badPong: null,
      close: null,
      error: null,
    };
    records.set(req.url, rec);
    rec.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        rec.close = [code, reason.toString()];
        resolve();
      });
    });
    ws.on('error', (e) => { rec.error = String(e); });
    ws.on('pong', (data) => {
      if (data.equals(PING)) rec.pongs++;
      else rec.badPong = data.toString();
    });
    const fragment = req.url.endsWith('/frag');
    // A Ping before any data: the client answers it while it waits for its echo.
    ws.ping(PING);
    ws.on('message', (data, isBinary) => {
      rec.received.push({ data, isBinary });
      if (!fragment) {
        ws.send(data, { binary: isBinary });
        return;
      }
      // Echo in 4 frames, one empty, with a Ping between two of them (RFC 6455 §5.4).
      const k = Math.floor(data.length / 3);
      ws.send(data.subarray(0, k), { binary: isBinary, fin: false });
      ws.send(data.subarray(k, 2 * k), { binary: isBinary, fin: false });
      ws.ping(PING);
      ws.send(Buffer.alloc(0), { binary: isBinary, fin: false });
      ws.send(data.subarray(2 * k), { binary: isBinary, fin: true });
    });
  });
  return { wss, records, port: wss.address().port };
}

function runClient(echoClient, url, flags, cmds) {
  return new Promise((resolve) => {
    const child = spawn('timeout', ['-k', '5', String(RUN_LIMIT), echoClient, url, ...flags], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.on('error', () => {}); // the client may exit before reading everything
    child.stdin.end(cmds.map(([kind, n]) => `${kind} ${n}\n`).join(''));
  });
}

async function pairing(echoClient, label, serverOptions, flags, expectAnswer, expectClient,
  { path = '/', sizes = SIZES, protocol = null, what = '' } = {}) {
  const tag = `${what}deflate=${label}`;
  const server = await startServer(serverOptions);
  const cmds = commands(sizes);
  const { code, out, err } = await runClient(
    echoClient, `ws://127.0.0.1:${server.port}${path}`, flags, cmds);
  const rec = server.records.get(path);
  if (rec) await within(10_000, 'server close', rec.closed).catch(() => {});
  server.wss.close();
  for (const ws of server.wss.clients) ws.terminate();

  const errLines = err.split('\n').filter((l) => l.startsWith(`${CLIENT}: `));
  const lastErr = errLines.length ? errLines[errLines.length - 1] : err.trim().slice(-300);
  if (!rec) {
    report.fail(`connect ${tag}`, `server saw no connection; exit ${code}, stderr ${show(err)}`);
    return;
  }
  const extLine = errLines.find((l) => l.includes('extension') || l.includes('permessage')) ?? null;
  const wantLine = `${CLIENT}: ${expectClient ?? 'no extension'}`;
  report.check(`negotiate ${tag}`, rec.answer === expectAnswer && extLine === wantLine,
    `offered ${show(rec.offer)}; server answered ${show(rec.answer)} (expected ${show(expectAnswer)}); `
      + `client says ${show(extLine)} (expected ${show(wantLine)})`,
    `offered ${show(rec.offer)}, answered ${show(rec.answer)}`);
  if (protocol) {
    const subLine = errLines.find((l) => l.includes('subprotocol')) ?? null;
    report.check(`subprotocol offer=[${protocol}]`,
      rec.subprotocol === protocol && subLine === `${CLIENT}: subprotocol ${protocol}`,
      `server chose ${show(rec.subprotocol)}, client says ${show(subLine)}`,
      `negotiated ${show(rec.subprotocol)}`);
  }
  const oks = out.split(/\s+/).filter(Boolean);
  cmds.forEach(([kind, n], i) => {
    const name = `${kind} ${n} ${tag}`;
    const want = echoClientPayload(kind, n);
    const got = rec.received[i];
    if (!got) {
      report.fail(name, `server never received it; client: ${show(lastErr)}`);
    } else if (got.isBinary !== (kind === 'binary') || !got.data.equals(want)) {
      report.fail(name, `server received ${got.isBinary ? 'binary' : 'text'}: ${firstDifference(want, got.data)}`);
    } else if (oks[i] !== 'ok') {
      report.fail(name, `client did not confirm the echo; client: ${show(lastErr)}`);
    } else {
      report.ok(name);
    }
  });
  const wantPongs = 1 + (path.endsWith('/frag') ? cmds.length : 0);
  report.check(`ping/pong ${tag}`, rec.pongs === wantPongs && rec.badPong === null,
    `server got ${rec.pongs} matching Pongs (expected ${wantPongs}), bad pong ${show(rec.badPong)}`,
    `${rec.pongs} pong(s)`);
  report.check(`close 1000 ${tag}`,
    rec.close && rec.close[0] === 1000 && code === 0 && rec.error === null,
    `server received Close ${show(rec.close)} (expected 1000), server error ${show(rec.error)}, `
      + `client exit ${code}, client: ${show(lastErr)}`,
    `server received ${show(rec.close)}, client exit ${code}`);
}

const echoClient = process.argv[2];
if (!echoClient) {
  console.error('usage: node server_checks.mjs ECHO_CLIENT');
  process.exit(2);
}
// ws's own defaults once enabled (threshold 1024: shorter messages go uncompressed).
const on = { perMessageDeflate: true };
await pairing(echoClient, 'default', on, [], 'permessage-deflate', 'permessage-deflate');
await pairing(echoClient, 'off', on, ['--no-deflate'], null, null);
await pairing(echoClient, 'server-off', { perMessageDeflate: false }, [], null, null);
// The server inflates with exactly the 10-bit window it grants the client.
await pairing(echoClient, 'server-params(snct,cnct,smwb=10,cmwb=10,threshold=0)', {
  perMessageDeflate: {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 10,
    threshold: 0,
  },
}, [],
'permessage-deflate; client_max_window_bits=10; server_no_context_takeover; '
  + 'client_no_context_takeover; server_max_window_bits=10',
'permessage-deflate; server_no_context_takeover; client_no_context_takeover; '
  + 'server_max_window_bits=10; client_max_window_bits=10');
// ws refuses offers whose client_max_window_bits is below its own clientMaxWindowBits:
// the client offers 12, the server narrows it to 10.
await pairing(echoClient, 'client-params(snct,smwb=11,cmwb=12)', {
  perMessageDeflate: { clientMaxWindowBits: 10, threshold: 0 },
}, ['--server-no-context-takeover', '--server-max-window-bits', '11', '--client-max-window-bits', '12'],
'permessage-deflate; server_no_context_takeover; server_max_window_bits=11; client_max_window_bits=10',
'permessage-deflate; server_no_context_takeover; server_max_window_bits=11; client_max_window_bits=10');
// The server echoes each message in 4 frames (one empty) with a Ping between two.
const fragSizes = [0, 1, 126, 65536, 1 << 20];
await pairing(echoClient, 'default(threshold=0)', { perMessageDeflate: { threshold: 0 } }, [],
  'permessage-deflate', 'permessage-deflate',
  { path: '/frag', sizes: fragSizes, what: 'echo=fragmented ' });
await pairing(echoClient, 'off', on, ['--no-deflate'], null, null,
  { path: '/frag', sizes: fragSizes, what: 'echo=fragmented ' });
await pairing(echoClient, 'default', {
  ...on,
  handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
}, ['--protocol', 'chat'], 'permessage-deflate', 'permessage-deflate',
{ sizes: [1, 126], protocol: 'chat', what: 'protocol=chat ' });
process.exitCode = report.exitCode();
