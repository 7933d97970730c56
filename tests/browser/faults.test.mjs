// Decisions are never lost or duplicated: 200 decisions submitted through the widget against the
// reference CRM server injecting faults into 30 % of API requests (500s, dropped connections,
// answers delayed past the widget's timeout), with page reloads in the middle of sending.
// Every decision must be stored exactly once. Counts are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, outboxSize, startServer, waitUntil } from './harness.mjs';

const DECISIONS = 200;
const RELOAD_EVERY = 25;

let server;
let origin;
let browser;

before(async () => {
  server = await startServer('faults', ['--faults', '0.3', '--fault-delay-ms', '1500', '--fault-seed', '11']);
  origin = server.origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** Mounts the widget on the embedding page with the care pack and a 1 s API timeout. */
async function mountWidget(page) {
  await page.evaluate(async () => {
    const profile = await (await fetch('/riskpane/profiles/demo.json')).json();
    profile.profile.api.timeout_ms = 1000;
    window.handle = window.riskpaneMount({
      pack: '/riskpane/packs/care.json', profile, token: 'demo-agent-kim',
      user: { id: 'kim', name: 'Kim Berger', role: 'agent' },
    });
    await window.handle.ready;
  });
  await page.waitForFunction(() => document.querySelector('[data-riskpane]')?.shadowRoot?.querySelector('#rp-outcome'));
}

test(`${DECISIONS} decisions through faults and reloads land exactly once`, { timeout: 600_000 }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/embed.html?manual`);
  await mountWidget(page);
  for (let index = 0; index < DECISIONS; index += 1) {
    if (index > 0 && index % RELOAD_EVERY === 0) {
      // Reload while earlier decisions may still be in flight: the outbox must carry them over.
      await page.reload();
      await mountWidget(page);
    }
    await page.locator('#rp-outcome').selectOption('escalate');
    await page.locator('#rp-reason').selectOption('NEEDS_EXPERT');
    await page.locator('#rp-note').fill(`decision-${index}`);
    const button = page.locator('[data-riskpane] button[data-intent=submit-decision]');
    await button.click();
    await page.waitForFunction(() => !document.querySelector('[data-riskpane]').shadowRoot.querySelector('button[data-intent=submit-decision]').disabled);
  }
  // Let the outbox drain (retries with backoff), reloading once more to resend what was left.
  await page.reload();
  await mountWidget(page);
  await waitUntil(async () => (await outboxSize(page)) === 0, { timeout: 180_000, interval: 500, what: 'the outbox to drain' });
  assert.equal(await outboxSize(page), 0, 'the outbox did not drain');
  const stats = await (await fetch(`${origin}/api/fault-stats`)).json();
  // The server still injects faults: ask until one answer gets through.
  const stored = await waitUntil(async () => {
    const response = await fetch(`${origin}/api/cases/E-1/decisions`, { headers: { Authorization: 'Bearer demo-expert-eva' } })
      .catch(() => null);
    return response?.ok ? (await response.json()).decisions : null;
  }, { timeout: 60_000, what: 'the stored decisions through the faulty server' });
  const notes = stored.map((decision) => decision.note);
  const unique = new Set(notes);
  console.log(`decisions submitted: ${DECISIONS}; stored: ${stored.length}; distinct: ${unique.size}; faults injected: ${JSON.stringify(stats)}`);
  assert.ok(stats.server_errors + stats.dropped_connections + stats.delayed_past_timeout >= 50, JSON.stringify(stats));
  assert.equal(stored.length, DECISIONS, 'every decision stored exactly once');
  assert.equal(unique.size, DECISIONS);
  for (let index = 0; index < DECISIONS; index += 1) assert.ok(unique.has(`decision-${index}`), `decision-${index} missing`);
  assert.deepEqual(errors, []);
  await page.close();
});
