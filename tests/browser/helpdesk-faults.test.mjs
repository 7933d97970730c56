// Decisions written into django-helpdesk land exactly once through a faulty network: a reverse
// proxy between Chromium and the helpdesk (started here, on a free port) fails or drops a fraction
// of the widget's REST API requests — 502 before the helpdesk sees them, connections dropped
// before forwarding, and connections dropped after the helpdesk has answered (the request landed,
// the browser never hears) — and the page is reloaded while decisions are in flight. Every
// decision must be in the ticket's follow-ups exactly once: the widget looks a decision up before
// a resend, and the helpdesk refuses a repeat itself. Counts are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchBrowser, outboxSize, waitUntil } from './harness.mjs';
import { helpdesk, newTicket, signIn, ticketState } from './helpdesk-harness.mjs';

const DECISIONS = 20;
const RELOAD_EVERY = 5;
const upstream = new URL(helpdesk.base);

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

/** The reverse proxy: pages and static files pass untouched (the Host header stays the proxy's,
 *  so Django's CSRF origin check sees the page's own origin); REST API calls meet faults. */
function startProxy() {
  const next = random(20261202);
  const server = http.createServer((request, response) => {
    const roll = request.url.startsWith('/helpdesk/api/') ? next() : 1;
    if (roll < 0.12) {
      stats.server_errors += 1;
      request.resume();
      response.writeHead(502, { 'Content-Type': 'application/json' }).end('{"detail":"injected bad gateway"}');
      return;
    }
    if (roll < 0.2) {
      stats.dropped_before += 1;
      request.socket.destroy();
      return;
    }
    const dropAfter = roll < 0.3;
    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      stats.forwarded += 1;
      if (dropAfter) {
        stats.dropped_after_landing += 1;
        answer.resume();
        answer.on('end', () => request.socket.destroy());
        return;
      }
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => { if (!response.headersSent) request.socket.destroy(); });
    // A request the browser gave up on (page closed, timeout) must not leave its upstream half-sent:
    // Django would wait for the rest of the body and the open socket would keep this test file
    // from ever exiting.
    response.on('close', () => forwarded.destroy());
    request.pipe(forwarded);
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

const widget = '#riskpane-root [data-riskpane]';
const widgetReady = (page) => page.waitForFunction((widget) => document.querySelector(widget)?.shadowRoot?.querySelector('#rp-outcome'), widget, { timeout: 30000 });

test(`${DECISIONS} decisions into django-helpdesk through a faulty proxy and reloads land exactly once`, { timeout: 600_000 }, async () => {
  const ticket = await newTicket(`Where is my order? (fault run ${Date.now()})`, 'Hello, my order has not arrived yet. Could you check where it is?', {
    case_type: 'item_not_received', channel: 'email', order_total_eur: '59.90', account_age_days: 800, claims_12_months: 0, identity_verified: true,
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  // django-helpdesk 2.6.1's own sb-admin.js throws on every staff page: not the widget's.
  page.on('pageerror', (error) => { if (!/sb-admin\.js/.test(error.stack ?? '')) errors.push(error.message); });
  await signIn(page, proxyOrigin, 'widget-agent', 'agentpass123');
  await page.goto(`${proxyOrigin}/helpdesk/tickets/${ticket}/`);
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
    await page.waitForFunction((widget) => !document.querySelector(widget).shadowRoot.querySelector('button[data-intent=submit-decision]').disabled, widget, { timeout: 60000 });
  }
  await page.reload();
  await widgetReady(page);
  await waitUntil(async () => (await outboxSize(page)) === 0, { timeout: 240_000, interval: 500, what: 'the outbox to drain' });

  const { records } = await ticketState(ticket);
  const notes = records.map((item) => item.record.note);
  const unique = new Set(notes);
  console.log(`decisions submitted: ${DECISIONS}; follow-ups with a record: ${records.length}; distinct: ${unique.size}; proxy: ${JSON.stringify(stats)}`);
  assert.ok(stats.server_errors + stats.dropped_before + stats.dropped_after_landing >= 8, JSON.stringify(stats));
  assert.ok(stats.dropped_after_landing >= 2, `ambiguous failures must be exercised: ${JSON.stringify(stats)}`);
  assert.ok(records.every((item) => !item.public && item.user === helpdesk.users['widget-agent']), 'internal follow-ups by the agent');
  for (let index = 0; index < DECISIONS; index += 1) assert.ok(unique.has(`fault-run-${index}`), `fault-run-${index} missing`);
  assert.equal(records.length, DECISIONS, 'every decision stored exactly once');
  assert.deepEqual(errors, []);
  await page.close();
});
