// Node `ws` clients against wswire's echo_server.
//
// usage: node client_checks.mjs DEFLATE_URL NO_DEFLATE_URL PROTOCOL_URL
//
// DEFLATE_URL: echo_server (permessage-deflate on); NO_DEFLATE_URL: echo_server
// --no-deflate; PROTOCOL_URL: echo_server --protocol chat. Prints one line per check.

import WebSocket from 'ws';
import {
  SIZES, Report, binaryOf, firstDifference, show, splitMidChar, textOf, within,
} from './common.mjs';

const STEP = 30_000; // ms allowed for any one check
const report = new Report('node-client');

/** Opens a connection; resolves with it, its offer and the server's answer. */
function open(url, protocols, options) {
  return within(STEP, 'connect', new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { maxPayload: 64 << 20, ...options });
    // The request is ws's private `_req` until the upgrade (ws 8; pinned).
    const offer = ws._req?.getHeader('sec-websocket-extensions');
    let answer;
    ws.on('upgrade', (res) => {
      answer = res.headers['sec-websocket-extensions'];
    });
    // Messages and pongs queue up until a check takes them.
    ws.inbox = [];
    ws.waiters = [];
    ws.closed = null; // the close, once seen: every later wait ends with it
    const deliver = (item) => {
      const waiter = ws.waiters.shift();
      if (waiter) waiter(item);
      else ws.inbox.push(item);
    };
    ws.on('message', (data, isBinary) => deliver({ kind: 'message', data, isBinary }));
    ws.on('pong', (data) => deliver({ kind: 'pong', data }));
    ws.on('close', (code, reason) => {
      ws.closed = { kind: 'close', code, reason: reason.toString() };
      for (const waiter of ws.waiters.splice(0)) waiter(ws.closed);
    });
    ws.once('open', () => resolve({ ws, offer, answer }));
    ws.once('error', reject);
  }));
}

function next(ws) {
  if (ws.inbox.length) return Promise.resolve(ws.inbox.shift());
  if (ws.closed) return Promise.resolve(ws.closed);
  return new Promise((resolve) => ws.waiters.push(resolve));
}

/** Waits for the next item of `kind`, keeping the others in order. */
async function nextOf(ws, kind, what) {
  const skipped = [];
  try {
    for (;;) {
      const item = await within(STEP, what, next(ws));
      if (item.kind === kind) return item;
      if (item.kind === 'close') throw new Error(`${what}: server closed ${item.code} ${item.reason}`);
      skipped.push(item);
    }
  } finally {
    ws.inbox.unshift(...skipped);
  }
}

function compareMessage(name, item, wantText, wantBytes) {
  const gotText = !item.isBinary;
  if (gotText !== wantText) {
    report.fail(name, `echo is ${gotText ? 'text' : 'binary'}, sent ${wantText ? 'text' : 'binary'}`);
  } else if (!Buffer.from(item.data).equals(wantBytes)) {
    report.fail(name, `echo differs: ${firstDifference(wantBytes, Buffer.from(item.data))}`);
  } else {
    report.ok(name);
  }
}

async function echo(ws, name, message) {
  try {
    const isText = typeof message === 'string';
    ws.send(message);
    const item = await nextOf(ws, 'message', 'waiting for the message');
    compareMessage(name, item, isText, isText ? Buffer.from(message) : message);
  } catch (e) {
    report.fail(name, e);
  }
}

async function session(url, label, expectAnswer, perMessageDeflate) {
  const tag = `deflate=${label}`;
  let conn;
  try {
    conn = await open(url, [], perMessageDeflate === undefined ? {} : { perMessageDeflate });
  } catch (e) {
    report.fail(`connect ${tag}`, e);
    return;
  }
  const { ws, offer, answer } = conn;
  try {
    report.check(
      `negotiate ${tag}`,
      (answer ?? null) === expectAnswer,
      `offered ${show(offer)}, server answered ${show(answer)}, expected ${show(expectAnswer)}`,
      `offered ${show(offer)}, answered ${show(answer)}`,
    );
    const want = expectAnswer ? 'permessage-deflate' : '';
    report.check(`extension active ${tag}`, ws.extensions === want,
      `ws runs extensions ${show(ws.extensions)}, expected ${show(want)}`);

    for (const n of SIZES) await echo(ws, `text ${n} ${tag}`, textOf(n));
    for (const n of SIZES) await echo(ws, `binary ${n} ${tag}`, binaryOf(n, n + 1));

    // Fragmented text, cut inside multi-byte characters, an empty frame, and a Ping
    // between two fragments (RFC 6455 §5.4: control frames may be interleaved).
    {
      const name = `fragmented text 4 frames + ping between ${tag}`;
      try {
        const data = Buffer.from(textOf(100_000));
        const [a, b, c] = splitMidChar(data);
        const ping = Buffer.from('between fragments');
        ws.send(a, { binary: false, fin: false });
        ws.send(Buffer.alloc(0), { binary: false, fin: false });
        ws.ping(ping);
        ws.send(b, { binary: false, fin: false });
        ws.send(c, { binary: false, fin: true });
        const pong = await nextOf(ws, 'pong', 'waiting for the pong');
        const item = await nextOf(ws, 'message', 'waiting for the message');
        if (!pong.data.equals(ping)) report.fail(name, `pong carried ${show(pong.data.toString())}`);
        else compareMessage(name, item, true, data);
      } catch (e) {
        report.fail(name, e);
      }
    }
    {
      const name = `fragmented binary 3 frames ${tag}`;
      try {
        const data = binaryOf(200_000, 7);
        ws.send(data.subarray(0, 1), { binary: true, fin: false });
        ws.send(data.subarray(1, 70_000), { binary: true, fin: false });
        ws.send(data.subarray(70_000), { binary: true, fin: true });
        compareMessage(name, await nextOf(ws, 'message', 'waiting for the message'), false, data);
      } catch (e) {
        report.fail(name, e);
      }
    }
    {
      const name = `ping/pong 125 bytes ${tag}`;
      try {
        const payload = binaryOf(125, 3);
        ws.ping(payload);
        const pong = await nextOf(ws, 'pong', 'waiting for the pong');
        report.check(name, pong.data.equals(payload), `pong payload differs: ${firstDifference(payload, pong.data)}`);
      } catch (e) {
        report.fail(name, e);
      }
    }
    {
      const name = `close 4000 bye ${tag}`;
      try {
        ws.close(4000, 'bye');
        const closed = await nextOf(ws, 'close', 'waiting for the close');
        // RFC 6455 §5.5.1: the reply "typically" echoes the code; the reason is free.
        report.check(name, closed.code === 4000,
          `server's Close was ${closed.code} ${show(closed.reason)}, expected code 4000`,
          `server echoed ${closed.code} ${show(closed.reason)}`);
      } catch (e) {
        report.fail(name, e);
      }
    }
  } finally {
    ws.terminate();
  }
}

// A Text message that is not UTF-8 (cut inside '€'): the server fails it with 1007.
async function invalidUtf8(url, label, perMessageDeflate) {
  const name = `invalid utf-8 text gets close 1007 deflate=${label}`;
  try {
    const { ws } = await open(url, [], { perMessageDeflate });
    try {
      const bad = Buffer.from('ok €');
      ws.send(bad.subarray(0, bad.length - 1), { binary: false });
      const item = await within(STEP, 'waiting for the close', next(ws));
      if (item.kind !== 'close') report.fail(name, `server sent a ${item.kind} instead of closing`);
      else {
        report.check(name, item.code === 1007, `server closed with ${item.code} ${show(item.reason)}, expected 1007`,
          `server closed ${item.code} ${show(item.reason)}`);
      }
    } finally {
      ws.terminate();
    }
  } catch (e) {
    report.fail(name, e);
  }
}

async function subprotocol(url, offer, expect) {
  const name = `subprotocol offer=[${offer.join(',')}]`;
  try {
    const { ws } = await open(url, offer, {});
    try {
      ws.send('é');
      const item = await nextOf(ws, 'message', 'waiting for the message');
      report.check(name, ws.protocol === expect && item.data.toString() === 'é',
        `negotiated ${show(ws.protocol)}, expected ${show(expect)}`, `negotiated ${show(ws.protocol)}`);
      ws.close(1000);
      await nextOf(ws, 'close', 'waiting for the close');
    } finally {
      ws.terminate();
    }
  } catch (e) {
    report.fail(name, e);
  }
}

process.on('uncaughtException', (e) => {
  report.fail('driver', `uncaught ${e.stack || e}`);
  process.exit(1);
});

const [deflateUrl, noDeflateUrl, protocolUrl] = process.argv.slice(2);
if (!protocolUrl) {
  console.error('usage: node client_checks.mjs DEFLATE_URL NO_DEFLATE_URL PROTOCOL_URL');
  process.exit(2);
}
// ws's default offer: "permessage-deflate; client_max_window_bits"; its threshold (1024)
// leaves shorter messages uncompressed.
await session(deflateUrl, 'default', 'permessage-deflate', undefined);
await session(deflateUrl, 'off', null, false);
await session(deflateUrl, 'params(snct,cmwb=10,threshold=0)',
  'permessage-deflate; server_no_context_takeover',
  { serverNoContextTakeover: true, clientMaxWindowBits: 10, threshold: 0 });
// ws inflates with exactly the window it asked for (9 bits): a server that compressed
// with a larger one would fail here.
await session(deflateUrl, 'params(cnct,smwb=9,threshold=0)',
  'permessage-deflate; client_no_context_takeover; server_max_window_bits=9',
  { clientNoContextTakeover: true, serverMaxWindowBits: 9, threshold: 0 });
await session(noDeflateUrl, 'server-off', null, undefined);
await invalidUtf8(deflateUrl, 'default(threshold=0)', { threshold: 0 });
await invalidUtf8(deflateUrl, 'off', false);
await subprotocol(protocolUrl, ['chat'], 'chat');
await subprotocol(protocolUrl, ['x-other', 'chat'], 'chat');
await subprotocol(protocolUrl, [], '');
process.exitCode = report.exitCode();
