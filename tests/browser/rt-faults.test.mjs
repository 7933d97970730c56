// Decisions written into Request Tracker land exactly once through a faulty network: a reverse
// proxy between Chromium and RT (started here, on a free port) fails or drops a fraction of the
// widget's REST 2.0 requests — 502 before RT sees them, connections dropped before forwarding, and
// connections dropped after RT has answered (the request landed, the browser never hears) — and
// the page is reloaded while decisions are in flight. Every decision must be in the ticket's
// comments exactly once as RT counts it (a second copy of a record RT marks as a repeat itself).
// Counts are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchBrowser, outboxSize, waitUntil } from './harness.mjs';
import { BLOCK, attachmentsContaining, recordIn, rest, signIn, tickets } from './rt-harness.mjs';

const DECISIONS = 20;
const RELOAD_EVERY = 5;
const REPEAT = 'RISKPANE DECISION REPEATED: transaction ';
const rt = new URL(tickets.base);

let browser;
let proxy;
let proxyOrigin;
const stats = { forwarded: 0, server_errors: 0, dropped_before: 0, dropped_after_landing: 0 };

/** A seeded pseudo-random generator (mulberry32): the same faults on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reverse proxy: RT's pages pass untouched (with Host/Referer/Origin/Location rewritten so
 *  RT's referrer check sees its own origin); REST 2.0 calls meet faults. */
function startProxy() {
  const next = random(20261125);
  const server = http.createServer((request, response) => {
    const rest = request.url.startsWith('/REST/2.0/');
    const roll = rest ? next() : 1;
    if (roll < 0.12) {
      stats.server_errors += 1;
      request.resume();
      response.writeHead(502, { 'Content-Type': 'application/json' }).end('{"message":"injected bad gateway"}');
      return;
    }
    if (roll < 0.2) {
      stats.dropped_before += 1;
      request.socket.destroy();
      return;
    }
    const dropAfter = roll < 0.3;
    const headers = { ...request.headers, host: rt.host };
    for (const name of ['referer', 'origin']) {
      if (headers[name]) headers[name] = headers[name].replace(proxyOrigin, tickets.base);
    }
    const upstream = http.request({ host: rt.hostname, port: rt.port, method: request.method, path: request.url, headers }, (answer) => {
      stats.forwarded += 1;
      if (dropAfter) {
        stats.dropped_after_landing += 1;
        answer.resume();
        answer.on('end', () => request.socket.destroy());
        return;
      }
      const answerHeaders = { ...answer.headers };
      if (answerHeaders.location) answerHeaders.location = answerHeaders.location.replace(tickets.base, proxyOrigin);
      response.writeHead(answer.statusCode, answerHeaders);
      answer.pipe(response);
    });
    // Starlet ends some chunked answers with a second terminating chunk; Node's parser reports it
    // after the answer is complete. Only an error before the answer started loses the request.
    upstream.on('error', () => { if (!response.headersSent) request.socket.destroy(); });
    // A request the browser gave up on must not leave its upstream half-sent (an open socket that
    // keeps this test file from exiting).
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  proxy = await startProxy();
  proxyOrigin = `http://127.0.0.1:${proxy.address().port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  proxy?.closeAllConnections();
  proxy?.close();
});

const widgetReady = (page) => page.waitForFunction(
  () => document.querySelector('#riskpane-root [data-riskpane]')?.shadowRoot?.querySelector('#rp-outcome'), null, { timeout: 30000 });

test(`${DECISIONS} decisions into Request Tracker through a faulty proxy and reloads land exactly once`, { timeout: 600_000 }, async () => {
  const { body: created } = await rest('POST', '/ticket', {
    Queue: 'Risk Review', Subject: `Where is my order? (fault run ${Date.now()})`, Requestor: 'jan.kowalski@example.pl',
    ContentType: 'text/plain', Content: 'Hello, my order has not arrived yet. Could you check where it is?',
    CustomFields: { 'Case Type': 'item_not_received', Channel: 'email', 'Order Total (EUR)': '59.90', 'Account Age (days)': '800',
      'Claims (12 months)': '0', 'Identity Verified': 'yes' },
  });
  const ticket = created.id;
  assert.ok(ticket, JSON.stringify(created));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, proxyOrigin, 'widget-agent', 'agentpass123');
  await page.goto(`${proxyOrigin}/Ticket/Display.html?id=${ticket}`);
  await widgetReady(page);
  const submit = page.locator('#riskpane-root button[data-intent=submit-decision]');
  for (let index = 0; index < DECISIONS; index += 1) {
    if (index > 0 && index % RELOAD_EVERY === 0) {
      // Reload while earlier decisions may still be in flight: the outbox carries them over.
      await page.reload();
      await widgetReady(page);
    }
    await page.locator('#rp-outcome').selectOption('request_information');
    await page.locator('#rp-reason').selectOption('NEEDS_INFO');
    await page.locator('#rp-note').fill(`fault-run-${index}`);
    await submit.click();
    await page.waitForFunction(() => !document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector('button[data-intent=submit-decision]').disabled, null, { timeout: 60000 });
  }
  await page.reload();
  await widgetReady(page);
  await waitUntil(async () => (await outboxSize(page)) === 0, { timeout: 240_000, interval: 500, what: 'the outbox to drain' });
  assert.equal(await outboxSize(page), 0, 'the outbox did not drain');

  const items = await attachmentsContaining(ticket, BLOCK, 'Content,Creator,TransactionId');
  const records = items.map((item) => ({
    transaction: String(item.TransactionId.id ?? item.TransactionId),
    note: recordIn(item.Content).note,
  }));
  // A request whose first copy RT was still writing when the browser gave up on it can land twice;
  // RT itself marks such a copy (its scrip compares records word for word) and counts it once.
  const marks = await attachmentsContaining(ticket, REPEAT);
  const repeats = new Set(marks.filter((item) => item.Creator.id === 'RT_System')
    .flatMap((item) => item.Content.split('\n'))
    .filter((line) => line.startsWith(REPEAT)).map((line) => line.slice(REPEAT.length).split(',')[0].trim()));
  const counted = records.filter((record) => !repeats.has(record.transaction)).map((record) => record.note);
  const unique = new Set(counted);
  console.log(`decisions submitted: ${DECISIONS}; comments in RT: ${records.length}; marked by RT as repeats: ${repeats.size}; distinct: ${unique.size}; proxy: ${JSON.stringify(stats)}`);
  assert.ok(stats.server_errors + stats.dropped_before + stats.dropped_after_landing >= 8, JSON.stringify(stats));
  assert.ok(stats.dropped_after_landing >= 2, `ambiguous failures must be exercised: ${JSON.stringify(stats)}`);
  assert.equal(counted.length, DECISIONS, 'every decision counted exactly once by RT (any second copy marked a repeat)');
  for (let index = 0; index < DECISIONS; index += 1) assert.ok(unique.has(`fault-run-${index}`), `fault-run-${index} missing`);
  // The widget looks a decision up before every resend: without that, each of the ambiguous
  // failures above would land a second copy. A rare race (a copy still being written) may not.
  assert.ok(repeats.size <= 2, `${repeats.size} repeated records: the look-up before a resend is not working`);
  const { body: state } = await rest('GET', `/ticket/${ticket}`);
  assert.equal(state.Status, 'stalled', 'asking for information sets the ticket to stalled');
  assert.deepEqual(errors, []);
  await page.close();
});
