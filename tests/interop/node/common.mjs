// Shared by the Node drivers: payloads and the report lines (same as py/common.py).

// Message sizes every pairing sends: the 7/16/64-bit length boundaries and 1 MiB.
export const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20];

// UTF-8 of 1, 2, 3 and 4 bytes: 'a', 'é', '€', '😀' (10 bytes in all).
const PATTERN = 'aé€😀';
const PATTERN_BYTES = Buffer.byteLength(PATTERN);

/** A string whose UTF-8 is exactly `n` bytes long, multi-byte characters throughout. */
export function textOf(n) {
  const text = PATTERN.repeat(Math.floor(n / PATTERN_BYTES)) + 'x'.repeat(n % PATTERN_BYTES);
  if (Buffer.byteLength(text) !== n) throw new Error(`textOf(${n}) is wrong`);
  return text;
}

/** Pseudo-random bytes (an LCG): incompressible, so deflate emits stored blocks too. */
export function binaryOf(n, seed = 1) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** What echo_client sends for `text N` / `binary N`. */
export function echoClientPayload(kind, n) {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = kind === 'text' ? 97 + (i % 26) : i % 256;
  return out;
}

/** Cuts UTF-8 bytes into cuts+1 pieces, each cut inside a multi-byte character. */
export function splitMidChar(data, cuts = 2) {
  const pieces = [];
  let last = 0;
  for (let k = 1; k <= cuts; k++) {
    let p = Math.max(last + 1, Math.floor((data.length * k) / (cuts + 1)));
    while (p < data.length && (data[p] & 0xc0) !== 0x80) p++;
    p = Math.min(p, data.length);
    pieces.push(data.subarray(last, p));
    last = p;
  }
  pieces.push(data.subarray(last));
  return pieces;
}

export function firstDifference(want, got) {
  if (want.length !== got.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (want[i] !== got[i]) return `byte ${i} is ${got[i]}, expected ${want[i]}`;
  }
  return 'equal';
}

/** With a time limit: rejects after `ms` with `what` timed out. */
export function within(ms, what, promise) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Headless Chromium (Debian's, or $CHROMIUM) driven by playwright-core, with the profile
 * folder `profile`, launched within 60 s. playwright-core is loaded here only, so that
 * the drivers without a browser do not load it.
 */
export async function launchChromium(profile) {
  const { chromium } = await import('playwright-core');
  return within(60_000, 'launch chromium', chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  }));
}

/** Prints one line per check: `ok   PEER NAME [- detail]` or `FAIL PEER NAME: why`. */
export class Report {
  constructor(peer) {
    // INTEROP_TARGET names the wswire program under test when it is not the default one
    // (echo_server, echo_client), so that each line says whom it checked.
    const target = process.env.INTEROP_TARGET;
    this.peer = target ? `${peer}@${target}` : peer;
    this.passed = 0;
    this.failed = 0;
  }
  ok(name, detail = '') {
    this.passed++;
    console.log(`ok   ${this.peer} ${name}${detail ? ` - ${detail}` : ''}`);
  }
  fail(name, why) {
    this.failed++;
    let text = String(why && why.message !== undefined ? why.message : why);
    if (text.length > 400) text = text.slice(0, 400) + '...';
    console.log(`FAIL ${this.peer} ${name}: ${text}`);
  }
  check(name, good, why, detail = '') {
    if (good) this.ok(name, detail);
    else this.fail(name, why || 'check failed');
    return good;
  }
  exitCode() {
    if (this.passed + this.failed === 0) {
      console.log(`FAIL ${this.peer} ran no check`);
      return 1;
    }
    return this.failed ? 1 : 0;
  }
}

export const show = (v) => (v === undefined || v === null ? 'none' : JSON.stringify(v));
