// Browser tests of the widget, the way front-end teams and agents reach it: the demo CRM page and
// the mount() embedding page, served by `cargo xtask serve`, in Debian's headless Chromium driven
// by playwright-core. Run by `cargo xtask ci` (after `cargo xtask site`), or alone with
// `node --test tests/browser/` once target/www exists.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { artifacts, axeViolations, launchBrowser, now, repo, startServer, staysTrue, tickOpenChecklist, waitUntil, wasmMemoryBytes } from './harness.mjs';

let server;
let origin;
let browser;

before(async () => {
  server = await startServer('widget');
  origin = server.origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** Calls the reference CRM's decision API as a seeded user. */
async function api(pathname, token, options = {}) {
  const response = await fetch(origin + pathname, { ...options, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(options.headers || {}) } });
  return { status: response.status, body: await response.json() };
}

const shadow = (page, selector) => page.locator(`[data-riskpane] >> css=${selector}`);

/** The requests of `page` whose answers have been read in full, as `METHOD /path`, as they finish. */
function finishedRequests(page) {
  const finished = [];
  page.on('requestfinished', (request) => finished.push(`${request.method()} ${new URL(request.url()).pathname}`));
  return finished;
}

/** A page that records console errors, page errors, dialogs, requests and finished requests. */
async function open(url, { width = 1280, height = 1000 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const log = { errors: [], pageErrors: [], dialogs: [], requests: [], finished: finishedRequests(page) };
  page.on('console', (message) => { if (message.type() === 'error') log.errors.push(message.text()); });
  page.on('pageerror', (error) => log.pageErrors.push(error.message));
  page.on('dialog', async (dialog) => { log.dialogs.push(dialog.message()); await dialog.dismiss(); });
  page.on('request', (request) => log.requests.push(request.url()));
  // The widget's own requests are awaited by each test; the page's load event is not needed.
  await page.goto(origin + url, { waitUntil: 'domcontentloaded' });
  return { page, log };
}

/** Text of the widget's shadow root (open mode). */
const widgetText = (page) => page.evaluate(() => document.querySelector('[data-riskpane]')?.shadowRoot?.textContent ?? '');

/** Waits until the widget shows a score; returns it. */
async function scoreShown(page) {
  await page.waitForFunction(() => document.querySelector('[data-riskpane]')?.shadowRoot?.querySelector('.score'), null, { timeout: 15000 });
  return Number(await page.evaluate(() => document.querySelector('[data-riskpane]').shadowRoot.querySelector('.score').textContent));
}

/** `YYYY-MM-DD` one calendar month after the UTC day of a demo page time (`DD.MM.YYYY HH:mm`, UTC+01:00). */
function oneMonthAfter(shown) {
  const [, day, month, year, hour, minute] = /^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)$/.exec(shown).map(Number);
  const utc = new Date(Date.UTC(year, month - 1, day, hour - 1, minute));
  const lastDay = new Date(Date.UTC(utc.getUTCFullYear(), utc.getUTCMonth() + 2, 0)).getUTCDate();
  const due = new Date(Date.UTC(utc.getUTCFullYear(), utc.getUTCMonth() + 1, Math.min(utc.getUTCDate(), lastDay)));
  return due.toISOString().slice(0, 10);
}

/** Waits until the CRM has answered the widget's request for the case's decisions (the last one it
 * makes after the first score; `finished` from `finishedRequests`), then one frame for the widget
 * to render what it read: the widget has settled. (Not from the page's resource timing: in the
 * guard run the page clock replaces `performance`, and it lists no entries.) */
async function decisionsRead(page, finished) {
  await waitUntil(() => finished.some((request) => /^GET \/api\/cases\/[^/]+\/decisions$/.test(request)),
    { timeout: 15_000, what: "the CRM's answer to the widget's request for the case's decisions" });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));
}

/** Waits for the next riskpane:scored event after `action`. */
async function nextScored(page, action) {
  const waiting = page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('riskpane:scored', (event) => resolve(event.detail), { once: true });
  }));
  await action();
  return waiting;
}

describe('demo CRM page', () => {
  test('scores the visible case and explains it, at 1280 px and 320 px', async () => {
    const { page, log } = await open('/');
    assert.equal(await scoreShown(page), 100);
    const text = await widgetText(page);
    assert.match(text, /Critical/);
    assert.match(text, /Item-not-received claim although the carrier has proof of delivery/);
    // From the DOM with German number format (649,90 €) and from the JSON island.
    assert.match(text, /New account with an unusually high order/);
    assert.match(text, /Refund to a different payment method/);
    assert.match(text, /Customer message read as: en/);
    assert.match(text, /Signals come from words, not meaning: a request in other words can be missed/, 'the agent is told what no signal means');
    assert.match(text, /Checklist/);
    await page.screenshot({ path: path.join(artifacts, 'demo-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 320, height: 900 });
    // The page is laid out again at the new width when the overflow below is read.
    await page.waitForFunction(() => window.innerWidth === 320);
    const overflow = await page.evaluate(() => {
      const host = document.querySelector('[data-riskpane]');
      const panel = host.shadowRoot.querySelector('.panel');
      return panel.scrollWidth - panel.clientWidth;
    });
    assert.ok(overflow <= 1, `widget overflows horizontally at 320 px by ${overflow}px`);
    await page.screenshot({ path: path.join(artifacts, 'demo-320.png'), fullPage: true });
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('shows the case dates relative to the moment the page opens, in the page clock', async () => {
    const { page } = await open('/');
    await scoreShown(page);
    const [pageNow, received] = await page.evaluate(() => [Date.now(), document.querySelector('[data-field=received-at]').textContent]);
    assert.ok(Math.abs(pageNow - now()) < 60_000, `the page's clock (${new Date(pageNow).toISOString()}) is the tests' clock`);
    // "received 1 day, 1 hour and 30 minutes ago", shown in UTC+01:00 (the demo profile's offset).
    const [, day, month, year, hour, minute] = /^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)$/.exec(received).map(Number);
    const shownAgo = pageNow - Date.UTC(year, month - 1, day, hour - 1, minute);
    assert.ok(Math.abs(shownAgo - (25.5 * 3_600_000)) < 120_000, `received ${received}, ${shownAgo / 60_000} minutes ago`);
    await page.close();
  });

  test('re-scores when the single-page CRM shows another case', async () => {
    const { page } = await open('/');
    await scoreShown(page);
    const gdpr = await nextScored(page, () => page.click('#next-case'));
    assert.equal(gdpr.caseKey, 'C-2026-4712');
    assert.ok(gdpr.firedRules.includes('DSR-001'), JSON.stringify(gdpr));
    assert.equal(gdpr.packId, 'care');
    const gdprText = await widgetText(page);
    assert.match(gdprText, /Data-subject request in the message/);
    // The Art. 12(3) deadline as a date: one month after the day of receipt (the page shows the
    // receipt relative to now, in UTC+01:00; the month is clamped to its last day, as in time.rs).
    const received = await page.evaluate(() => document.querySelector('[data-field=received-at]').textContent);
    assert.match(gdprText, new RegExp(`Deadlines.*${oneMonthAfter(received)}.*Answer the data-subject request`, 's'));
    const back = await nextScored(page, () => page.click('#prev-case'));
    assert.equal(back.score, 100);
    assert.equal(back.caseKey, 'C-2026-4711');
    // A direct change of one field is noticed too.
    const cheaper = await nextScored(page, () => page.evaluate(() => {
      document.querySelector('[data-field=order-total]').textContent = '49,90 €';
    }));
    assert.ok(!cheaper.firedRules.includes('VAL-001'), JSON.stringify(cheaper));
    await page.close();
  });

  test('shows not-evaluable rules and the missing facts when fields are absent', async () => {
    const { page } = await open('/');
    await scoreShown(page);
    const detail = await nextScored(page, () => page.evaluate(() => {
      document.querySelector('[data-field=pod]').remove();
      document.querySelector('[data-field=inr-claims]').textContent = '';
    }));
    assert.ok(detail.scoreRange.max > detail.scoreRange.min || detail.score === 100, JSON.stringify(detail));
    assert.ok(detail.completeness < 1);
    const text = await widgetText(page);
    assert.match(text, /Missing on this page/);
    assert.match(text, /Proof of delivery \(photo\/GPS\/signature\)/);
    assert.match(text, /INR\/missing\/damaged claims, 12 months/);
    // Unparseable values are unknown with a visible reason, never a crash.
    await nextScored(page, () => page.evaluate(() => {
      document.querySelector('[data-field=order-total]').textContent = 'ca. zweihundert Euro';
    }));
    assert.match(await widgetText(page), /Could not read.*"ca\. zweihundert Euro" is not a number/s);
    await page.close();
  });

  test('the checklist is operable with the keyboard alone and kept per case', async () => {
    const { page } = await open('/');
    await scoreShown(page);
    let found = false;
    for (let presses = 0; presses < 80 && !found; presses += 1) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => {
        const active = document.querySelector('[data-riskpane]').shadowRoot.activeElement;
        return active?.type === 'checkbox';
      });
    }
    assert.ok(found, 'no checklist checkbox reachable with Tab');
    const focusVisible = await page.evaluate(() => {
      const active = document.querySelector('[data-riskpane]').shadowRoot.activeElement;
      const style = getComputedStyle(active);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    });
    assert.ok(focusVisible, 'focused checkbox has no visible focus outline');
    const itemId = await page.evaluate(() => document.querySelector('[data-riskpane]').shadowRoot.activeElement.id);
    await page.keyboard.press('Space');
    const checked = await page.evaluate((id) => {
      const root = document.querySelector('[data-riskpane]').shadowRoot;
      return root.getElementById(id).checked && root.getElementById(id).closest('li').classList.contains('status-done');
    }, itemId);
    assert.ok(checked, `${itemId} not ticked by Space`);
    // Another case has its own checklist state; coming back restores the tick.
    await nextScored(page, () => page.click('#next-case'));
    await nextScored(page, () => page.click('#prev-case'));
    assert.ok(await waitUntil(() => page.evaluate((id) => document.querySelector('[data-riskpane]').shadowRoot.getElementById(id)?.checked, itemId),
      { timeout: 10_000, what: `${itemId} to be ticked again on coming back to the case` }));
    await page.close();
  });

  test('a data-subject request in everyday words: the word model reads it, the deadline shows, the words that weighed are named', async () => {
    const { page } = await open('/');
    await scoreShown(page);
    // No keyword list knows this (Dutch: "What do you actually know about me? Send me that overview.").
    const plain = await nextScored(page, () => page.evaluate(() => {
      document.querySelector('[data-field=message]').textContent = 'Wat weten jullie eigenlijk allemaal over mij? Stuur me dat overzicht.';
    }));
    assert.ok(plain.firedRules.includes('DSR-010'), JSON.stringify(plain));
    assert.ok(!plain.firedRules.includes('DSR-001'), JSON.stringify(plain));
    const text = await widgetText(page);
    assert.match(text, /The word model reads a data-subject request the keyword lists do not find/);
    assert.match(text, /weighed for the word model: \S+/);
    assert.match(text, /Answer the data-subject request/, 'the Art. 12(3) deadline is shown for a request found by the word model');
    await page.screenshot({ path: path.join(artifacts, 'word-model-request.png'), fullPage: true });
    // An everyday question is not read as a request.
    const parcel = await nextScored(page, () => page.evaluate(() => {
      document.querySelector('[data-field=message]').textContent = 'Where is my parcel? It was due on Monday.';
    }));
    assert.ok(!parcel.firedRules.some((rule) => rule.startsWith('DSR-')), JSON.stringify(parcel));
    assert.doesNotMatch(await widgetText(page), /weighed for the word model/);
    await page.close();
  });

  test('case text with HTML or script is shown as text, never executed', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    await nextScored(page, () => page.evaluate(() => window.demoShowCase(2)));
    await waitUntil(async () => (await widgetText(page)).includes('<img src=x onerror='), { timeout: 10_000, what: 'the widget to show the case with HTML in its message' });
    const injected = await page.evaluate(() => document.querySelector('[data-riskpane]').shadowRoot.querySelectorAll('img, script, iframe').length);
    assert.equal(injected, 0);
    assert.match(await widgetText(page), /<img src=x onerror=/);
    // An injected <img src=x onerror=alert(1)> would open its dialog only once the request for `x`
    // had failed, a few milliseconds on this machine's loopback: that no dialog comes can only be
    // watched for a while.
    await staysTrue(() => log.dialogs.length === 0, 500, 'no dialog opened by the case text');
    assert.deepEqual(log.dialogs, []);
    await page.close();
  });

  test('requests go only to the page origin: the pack and profile, nothing else', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    await nextScored(page, () => page.click('#next-case'));
    await nextScored(page, () => page.click('#next-case'));
    const foreign = log.requests.filter((url) => !url.startsWith(origin + '/') && !url.startsWith('data:'));
    assert.deepEqual(foreign, []);
    const widgetData = log.requests.filter((url) => url.endsWith('.json'));
    assert.deepEqual(widgetData.sort(), [`${origin}/riskpane/packs/care.json`, `${origin}/riskpane/profiles/demo.json`]);
    await page.close();
  });

  test('runs under a strict Content-Security-Policy without violations', async () => {
    const page = await browser.newPage();
    const finished = finishedRequests(page);
    const violations = [];
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    page.on('console', (message) => { if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text()); });
    const response = await page.goto(origin + '/csp/');
    assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(await scoreShown(page), 100);
    await decisionsRead(page, finished);
    // Violations are reported by events queued after the fact: that none comes can only be watched
    // for a while after the widget has settled.
    const reported = async () => [...violations, ...await page.evaluate(() => window.__violations)];
    await staysTrue(async () => (await reported()).length === 0, 200,
      async () => `no Content-Security-Policy violation (reported: ${(await reported()).join('; ')})`);
    violations.push(...await page.evaluate(() => window.__violations));
    assert.deepEqual(violations, []);
    await page.close();
  });
});

describe('decisions', () => {
  test('an agent proposes, the widget says which items are open, a different expert confirms', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    const decisions = [];
    await page.exposeFunction('recordDecision', (detail) => decisions.push(detail));
    await page.evaluate(() => document.addEventListener('riskpane:decision', (event) => window.recordDecision(event.detail)));
    // Required checklist items block the outcome, and the widget says which.
    await page.locator('#rp-outcome').selectOption('restrict_account');
    await page.locator('#rp-reason').selectOption('ATO_SUSPECTED');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /checklist items still open: .*ato-freeze/.test(document.querySelector('[data-riskpane]').shadowRoot.querySelector('.submit-status')?.textContent ?? ''));
    // Tick every open item, then submit: restricting an account always needs four eyes.
    await tickOpenChecklist(page);
    await page.locator('#rp-note').fill('E-mail changed two days ago, refund to a new card requested.');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.match(await widgetText(page), /waiting for someone else to confirm/);
    assert.equal(await page.locator('[data-riskpane] button[data-intent=confirm-decision]').count(), 0, 'the maker sees no confirm button');
    const stored = await api('/api/cases/C-2026-4711/decisions', 'demo-expert-eva');
    assert.equal(stored.body.decisions.length, 1);
    const [record] = stored.body.decisions;
    assert.equal(record.maker.id, 'kim');
    assert.equal(record.state, 'pending_confirmation');
    assert.equal(record.pack_id, 'care');
    assert.match(record.input_hash, /^[0-9a-f]{64}$/);
    // The agent cannot confirm through the API either.
    assert.equal((await api(`/api/decisions/${record.id}/confirm`, 'demo-agent-kim', { method: 'POST', body: '{}' })).status, 403);
    // Eva (expert) opens the case: she sees the pending decision and confirms it.
    await page.evaluate(() => window.demoSignIn('eva'));
    await page.locator('[data-riskpane] button[data-intent=confirm-decision]').waitFor();
    await page.locator(`[id="rp-check-note-${record.id}"]`).fill('Agreed: takeover pattern.');
    await page.locator('[data-riskpane] button[data-intent=confirm-decision]').click();
    await page.waitForFunction(() => /confirmed by Eva Lindqvist/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const final = await api(`/api/decisions/${record.id}`, 'demo-expert-max');
    assert.equal(final.body.state, 'confirmed');
    assert.equal(final.body.by.id, 'eva');
    assert.deepEqual(decisions.map((decision) => decision.state), ['pending_confirmation', 'confirmed']);
    // Eva overrides the band on her own decision: only with a note saying why.
    await page.locator('#rp-outcome').selectOption('escalate');
    await page.locator('#rp-reason').selectOption('NEEDS_EXPERT');
    await page.locator('#rp-override').selectOption('low');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /band override rejected: a note saying why is required/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    await page.locator('#rp-override-note').fill('Owner confirmed on the phone number on file; the new card is hers.');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-riskpane] .decision-item').length === 0
      && document.querySelector('[data-riskpane]').shadowRoot.querySelectorAll('.decision-item').length === 2);
    const overridden = (await api('/api/cases/C-2026-4711/decisions', 'demo-expert-max')).body.decisions[1];
    assert.equal(overridden.maker.id, 'eva');
    assert.deepEqual([overridden.band_override.from, overridden.band_override.to], ['critical', 'low']);
    // Kim proposes again; Max rejects it in the widget, with a note (a rejection needs one).
    await page.evaluate(() => window.demoSignIn('kim'));
    await page.locator('[data-riskpane] button[data-intent=confirm-decision]').waitFor({ state: 'detached' });
    await page.locator('#rp-outcome').selectOption('restrict_account');
    await page.locator('#rp-reason').selectOption('ABUSE_PATTERN');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => document.querySelector('[data-riskpane]').shadowRoot.querySelectorAll('.decision-item.state-pending').length === 1);
    await page.evaluate(() => window.demoSignIn('max'));
    const reject = page.locator('[data-riskpane] button[data-intent=reject-decision]');
    await reject.waitFor();
    const pendingId = await page.evaluate(() => document.querySelector('[data-riskpane]').shadowRoot.querySelector('.decision-item.state-pending').dataset.decision);
    await page.locator(`[id="rp-check-note-${pendingId}"]`).fill('No takeover: the customer changed her e-mail herself.');
    await reject.click();
    await page.waitForFunction(() => /rejected by Max Okafor: No takeover/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.equal((await api(`/api/decisions/${pendingId}`, 'demo-expert-eva')).body.state, 'rejected');
    await page.screenshot({ path: path.join(artifacts, 'decision-confirmed-1280.png'), fullPage: true });
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });
});

describe('pattern reports for the Fraud Advisory Team', () => {
  test('an expert marks what is new, the widget sends a draft rule without case text, the CRM stores it', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    // Agents report no patterns.
    await decisionsRead(page, log.finished);
    assert.equal(await shadow(page, 'details.pattern').count(), 0);
    await page.evaluate(() => window.demoSignIn('eva'));
    await shadow(page, 'details.pattern summary').click();
    const marks = shadow(page, 'input[data-intent=mark-pattern]');
    assert.ok(await marks.count() >= 3, 'the fired rules offer several marks');
    const offered = await shadow(page, '.pattern-marks code').allTextContents();
    await marks.nth(0).check();
    await marks.nth(1).check();
    await page.waitForFunction(() => / and /.test(document.querySelector('[data-riskpane]').shadowRoot.querySelector('.pattern-draft')?.textContent ?? ''));
    const draft = (await shadow(page, '.pattern-draft code').textContent()).trim();
    assert.equal(draft, `${offered[0]} and ${offered[1]}`);
    await shadow(page, '#rp-pattern-note').fill('New accounts claiming INR on high baskets right after delivery.');
    await shadow(page, 'button[data-intent=submit-pattern]').click();
    await page.waitForFunction(() => /Pattern report stored as P-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const { body } = await api('/api/cases/C-2026-4711/pattern-reports', 'demo-expert-max');
    assert.equal(body.pattern_reports.length, 1);
    const [report] = body.pattern_reports;
    assert.deepEqual([report.format, report.case_id, report.author.id, report.category, report.draft_rule, report.elements.length], ['riskpane.pattern_report', 'C-2026-4711', 'eva', 'fraud', draft, 2]);
    assert.match(report.input_hash, /^[0-9a-f]{64}$/);
    // Ids and hashes, never the case's text or the customer's name.
    const stored = JSON.stringify(report);
    for (const text of ['Anna', 'Schmidt', 'RIGHT NOW', 'example.com']) assert.ok(!stored.includes(text), `${text} in ${stored}`);
    // The form starts over; the marks went with the report.
    assert.equal(await shadow(page, 'input[data-intent=mark-pattern]:checked').count(), 0);
    await shadow(page, 'details.pattern').screenshot({ path: path.join(artifacts, 'pattern-report-sent.png') });
    // The open form passes the accessibility audit.
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });
});

describe('internal fraud reports', () => {
  test('a warehouse report is scored by its own rules; an expert confirms it and a second expert approves', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    const scored = await nextScored(page, () => page.evaluate(() => window.demoShowCase(4)));
    assert.equal(scored.caseKey, 'C-2026-4715');
    const text = await widgetText(page);
    assert.match(text, /Warehouse found an empty box or a swapped item/);
    assert.match(text, /The report links several cases/);
    assert.match(text, /Much money at stake/);
    assert.deepEqual(scored.firedRules.map((rule) => rule.id ?? rule).filter((id) => String(id).startsWith('INT-')).sort(), ['INT-002', 'INT-004', 'INT-005']);
    // No customer-case rule fires on a colleague's report.
    assert.ok(!scored.firedRules.some((rule) => /^(INR|ATO|DSR|BRD)-/.test(String(rule.id ?? rule))), JSON.stringify(scored.firedRules));
    await page.evaluate(() => window.demoSignIn('eva'));
    await page.locator('#rp-outcome').selectOption('confirm_internal_report');
    await tickOpenChecklist(page);
    await page.locator('#rp-note').fill('Scale logs and photos match; four returns from one address cluster.');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const [record] = (await api('/api/cases/C-2026-4715/decisions', 'demo-expert-max')).body.decisions;
    assert.equal(record.outcome, 'confirm_internal_report');
    // 35 + 20 + 15 points: high, so confirming the report needs a second expert (four eyes).
    assert.deepEqual([scored.score, scored.band, record.state], [70, 'high', 'pending_confirmation']);
    await page.evaluate(() => window.demoSignIn('max'));
    await shadow(page, 'button[data-intent=confirm-decision]').waitFor();
    await shadow(page, 'button[data-intent=confirm-decision]').click();
    await page.waitForFunction(() => /confirmed by Max Okafor/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.equal((await api(`/api/decisions/${record.id}`, 'demo-expert-eva')).body.state, 'confirmed');
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });
});

describe('public replies are aligned with Communications', () => {
  test('an agent proposes a public reply with its text; an expert cannot confirm it; Communications reads the text and confirms', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    await nextScored(page, () => page.evaluate(() => window.demoShowCase(2)));
    assert.match(await widgetText(page), /@lena\.styles|Instagram|public/i);
    // The reply field appears only for the outcome that publishes a text; without a text it is refused.
    assert.equal(await shadow(page, '#rp-reply').count(), 0);
    await page.locator('#rp-outcome').selectOption('reply_publicly');
    await shadow(page, '#rp-reply').waitFor();
    await tickOpenChecklist(page);
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /this outcome needs the text of the reply/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    // Case-adjacent text is text: markup in the reply is shown, never run.
    const reply = 'Hi Lena, we are sorry about the seams. We have sent you a DM to sort it out <img src=x onerror=window.pwned=1>';
    await page.locator('#rp-reply').fill(reply);
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.match(await widgetText(page), /waiting for someone else to confirm/);
    const [record] = (await api('/api/cases/C-2026-4713/decisions', 'demo-expert-eva')).body.decisions;
    assert.deepEqual([record.outcome, record.state, record.confirmed_by, record.reply_text], ['reply_publicly', 'pending_confirmation', 'communications', reply]);
    // Max (expert) sees the reply and that it waits for Communications, but no confirm button; the API refuses him too.
    await page.evaluate(() => window.demoSignIn('max'));
    await page.waitForFunction(() => /awaits confirmation by Communications/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.equal(await shadow(page, 'button[data-intent=confirm-decision]').count(), 0);
    const byExpert = await api(`/api/decisions/${record.id}/confirm`, 'demo-expert-max', { method: 'POST', body: '{"note":"fine"}' });
    assert.equal(byExpert.status, 403);
    assert.match(byExpert.body.error ?? JSON.stringify(byExpert.body), /only Communications/);
    // Chris (Communications) gets no decision form, reads the exact text, and confirms it with the keyboard.
    await page.evaluate(() => window.demoSignIn('chris'));
    await shadow(page, 'button[data-intent=confirm-decision]').waitFor();
    assert.equal(await shadow(page, '#rp-outcome').count(), 0, 'Communications proposes nothing');
    assert.equal(await shadow(page, '.reply-text q').textContent(), reply);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await shadow(page, `[id="rp-check-note-${record.id}"]`).fill('Tone fine, no personal data. Post it.');
    await shadow(page, 'button[data-intent=confirm-decision]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /confirmed by Chris Ahn/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const final = await api(`/api/decisions/${record.id}`, 'demo-expert-max');
    assert.deepEqual([final.body.state, final.body.by.id, final.body.by.role, final.body.reply_text], ['confirmed', 'chris', 'communications', reply]);
    // German texts for the approver.
    await page.evaluate(() => { document.querySelector('risk-pane').setAttribute('lang', 'de'); });
    await page.waitForFunction(() => /Öffentliche Antwort:/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    await shadow(page, '.decision').screenshot({ path: path.join(artifacts, 'public-reply-communications.png') });
    // The settled widget with the reply shown passes the accessibility audit.
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });
});

describe('the CRM decides, not the browser', () => {
  test('a forged decision posted with the agent\'s token from devtools is refused; the honest widget path still works', async () => {
    const { page, log } = await open('/?user=kim');
    await scoreShown(page);
    // The honest path: Kim proposes restricting the account in the widget; it waits for four eyes.
    await page.locator('#rp-outcome').selectOption('restrict_account');
    await page.locator('#rp-reason').selectOption('MULTI_ACCOUNT');
    await tickOpenChecklist(page);
    await page.locator('#rp-note').fill('Two accounts share the card.');
    const stored = page.evaluate(() => new Promise((resolve) => document.addEventListener('riskpane:decision', (event) => resolve(event.detail), { once: true })));
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const shown = await stored;
    // The CRM's record (with `scored_at`, the time the widget scored the case at).
    const honest = (await api(`/api/decisions/${shown.id}`, 'demo-expert-eva')).body;
    assert.equal(honest.state, 'pending_confirmation');
    assert.equal(honest.requires_second_approval, true);
    // Devtools: the same decision under a new id, the four-eye flag and the state forged, posted
    // with Kim's token from the page itself; then with a band override, which agents may not make.
    const post = (changes) => page.evaluate(async ({ record, changes }) => {
      const { reference, scored_at: scoredAt, ...body } = record;
      Object.assign(body, { id: crypto.randomUUID(), created_at: scoredAt, ...changes });
      const response = await fetch(`/api/cases/${body.case_id}/decisions`, {
        method: 'POST',
        headers: { Authorization: 'Bearer demo-agent-kim', 'Content-Type': 'application/json', 'Idempotency-Key': body.id },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json(), id: body.id };
    }, { record: honest, changes });
    const forged = await post({ requires_second_approval: false, state: 'decided' });
    assert.equal(forged.status, 422, JSON.stringify(forged.body));
    assert.ok(forged.body.differences.some((line) => line.startsWith('requires_second_approval')), JSON.stringify(forged.body));
    const overridden = await post({ band_override: { from: honest.snapshot.band, to: 'low', reason_code: 'MULTI_ACCOUNT', note: 'trust me' } });
    assert.equal(overridden.status, 403, JSON.stringify(overridden.body));
    const lowered = await post({ snapshot: { ...honest.snapshot, band: 'low' } });
    assert.equal(lowered.status, 422, JSON.stringify(lowered.body));
    // Only the honest decision is in the CRM, still waiting for a second expert.
    const listed = (await api('/api/cases/C-2026-4711/decisions', 'demo-expert-eva')).body.decisions;
    assert.deepEqual(listed.filter((record) => [forged.id, overridden.id, lowered.id].includes(record.id)), []);
    assert.equal(listed.find((record) => record.id === honest.id).state, 'pending_confirmation');
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('decisions go only to a CRM API on the page\'s origin unless the embedding allows another', async () => {
    const { page, log } = await open('/embed.html?manual');
    // The same server under another origin (localhost instead of 127.0.0.1).
    const foreign = origin.replace('127.0.0.1', 'localhost');
    const mountWith = (allow) => page.evaluate(async ({ foreign, allow }) => {
      const profile = await (await fetch('/riskpane/profiles/demo.json')).json();
      profile.profile.api.base = `${foreign}/api`;
      window.handle?.unmount();
      window.handle = window.riskpaneMount({ pack: '/riskpane/packs/care.json', profile, token: 'demo-agent-kim', allowCrossOriginApi: allow });
      await window.handle.ready;
    }, { foreign, allow });
    await mountWith(false);
    await scoreShown(page);
    // The widget says so once it has the profile, and then keeps no client for the API at all:
    // nothing can be sent there afterwards.
    await waitUntil(() => log.errors.some((message) => message.includes(`the crm api at ${foreign} is not on the page's origin`)),
      { timeout: 10_000, what: 'the console error about the API on another origin' });
    assert.ok(log.errors.some((message) => message.includes(`the crm api at ${foreign} is not on the page's origin`)), log.errors.join('\n'));
    assert.deepEqual(log.requests.filter((url) => url.startsWith(foreign)), [], 'nothing is sent to another origin');
    await mountWith(true);
    // (Not from the page's resource timing, which lists nothing under the guard run's page clock.)
    await waitUntil(() => log.requests.some((url) => url.startsWith(foreign)), { timeout: 10_000, what: 'a request to the API on the other origin' });
    assert.ok(log.requests.some((url) => url.startsWith(foreign)), 'with allowCrossOriginApi the widget calls that API');
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });
});

describe('the outbox belongs to its maker', () => {
  const outboxOf = (page, user) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) || '[]'), `riskpane.outbox.v2.${user}`);
  const isDecisionPost = (request) => request.method() === 'POST' && /\/api\/cases\/[^/]+\/decisions$/.test(new URL(request.url()).pathname);

  test('a decision waits for its maker: never sent in another user\'s session, sent when the maker is back', async () => {
    const { page, log } = await open('/?user=kim');
    await scoreShown(page);
    // The CRM is unreachable while Kim decides: the decision waits in Kim's outbox.
    await page.route('**/api/cases/*/decisions', (route) => (route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback()));
    await page.locator('#rp-outcome').selectOption('escalate');
    await page.locator('#rp-reason').selectOption('NEEDS_EXPERT');
    await page.locator('#rp-note').fill('Kim: please have a look, the new card worries me.');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Not stored yet/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const [waiting] = await outboxOf(page, 'kim');
    assert.equal(waiting.maker.id, 'kim');
    // Eva signs in on the same browser, first in this page (the CRM is back), then after a reload:
    // Kim's decision is not sent under Eva's login. Eva's own decision goes through, so her session
    // can send.
    await page.evaluate(() => window.demoSignIn('eva'));
    const posted = [];
    page.on('request', (request) => { if (isDecisionPost(request)) posted.push(request.postDataJSON()); });
    await page.unroute('**/api/cases/*/decisions');
    await page.goto(`${origin}/?user=eva`, { waitUntil: 'domcontentloaded' });
    await scoreShown(page);
    await page.locator('#rp-outcome').selectOption('escalate');
    await page.locator('#rp-reason').selectOption('NEEDS_EXPERT');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.deepEqual(posted.map((record) => record.maker.id), ['eva'], 'only Eva\'s own decision was sent in her session');
    assert.equal((await api(`/api/decisions/${waiting.id}`, 'demo-expert-max')).status, 404);
    assert.equal((await outboxOf(page, 'kim')).length, 1, 'Kim\'s decision still waits for Kim');
    // Kim is back: it is sent, as Kim's.
    await page.goto(`${origin}/?user=kim`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => !localStorage.getItem('riskpane.outbox.v2.kim'), null, { timeout: 15000 });
    const stored = await api(`/api/decisions/${waiting.id}`, 'demo-expert-max');
    assert.equal(stored.status, 200);
    assert.equal(stored.body.maker.id, 'kim');
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('one delivery of a decision at a time: "Retry now" during a slow request does not send it twice', async () => {
    const { page, log } = await open('/?user=kim');
    await scoreShown(page);
    const posts = [];
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/api/cases/*/decisions', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      posts.push(Date.now());
      // The first attempt fails at once (the form offers "Retry now"); the second hangs until
      // the test releases it, so it is still on its way when the agent clicks "Retry now".
      if (posts.length === 1) return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"maintenance"}' });
      if (posts.length === 2) await held;
      return route.fallback();
    });
    await page.locator('#rp-outcome').selectOption('escalate');
    await page.locator('#rp-reason').selectOption('NEEDS_EXPERT');
    await page.locator('button[data-intent=submit-decision]').click();
    const retry = page.locator('[data-riskpane] button[data-intent=retry-outbox]');
    await retry.waitFor();
    await waitUntil(() => posts.length >= 2, { timeout: 30_000, what: 'the outbox to retry after the 503' });
    assert.equal(posts.length, 2, 'the outbox retried after the 503');
    await retry.click();
    await retry.click();
    release();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    // A second delivery started by "Retry now" would wait out the API timeout (10 s in the demo
    // profile) after the attempt in flight, then send again: that no third POST comes can only be
    // watched, a little longer than that timeout.
    await staysTrue(() => posts.length === 2, 12_000, 'no second delivery of the decision (two POSTs so far)', { interval: 250 });
    assert.equal(posts.length, 2, 'the decision was sent again by a second delivery');
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('a decision the CRM refuses is shown to its maker with the reason, kept without its note, never resent', async () => {
    const { page, log } = await open('/?user=kim');
    await scoreShown(page);
    let posts = 0;
    await page.route('**/api/cases/*/decisions', (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      posts += 1;
      return route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ error: 'this outcome needs a second approval at this band' }) });
    });
    await page.locator('#rp-outcome').selectOption('escalate');
    await page.locator('#rp-reason').selectOption('NEEDS_EXPERT');
    await page.locator('#rp-note').fill('Customer gave her phone number 0170 5550123 on the call.');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Refused by the CRM: crm answered 422: this outcome needs a second approval/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.equal((await outboxOf(page, 'kim')).length, 0, 'a refused decision leaves the outbox');
    const kept = await page.evaluate(() => localStorage.getItem('riskpane.refused.v1.kim'));
    assert.match(kept, /second approval/);
    assert.doesNotMatch(kept, /0170/, 'the free-text note is not kept');
    // After a reload it is shown again (the maker may not have seen it) and not sent again.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await scoreShown(page);
    const item = page.locator('[data-riskpane] .refused-item');
    await item.waitFor();
    assert.match(await item.textContent(), /C-2026-4711 — Escalate to an expert: crm answered 422/);
    assert.equal(posts, 1, 'a refused decision is never resent');
    // Another user does not see it; the maker dismisses it and it is gone for good.
    await page.evaluate(() => window.demoSignIn('eva'));
    await item.waitFor({ state: 'detached' });
    await page.evaluate(() => window.demoSignIn('kim'));
    await item.locator('button[data-intent=dismiss-refused]').click();
    await item.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => localStorage.getItem('riskpane.refused.v1.kim')), null);
    assert.deepEqual(log.pageErrors, [], 'dismissing must not panic the widget');
    await page.close();
  });
});

describe('embedding with mount()', () => {
  test('renders despite hostile global CSS and reads DOM + JSON island facts', async () => {
    const { page, log } = await open('/embed.html');
    await page.addStyleTag({ content: '* { all: unset !important; } div { display: none !important; visibility: hidden !important; } [data-riskpane] { opacity: 0 !important; }' });
    await scoreShown(page);
    const box = await page.evaluate(() => {
      const host = document.querySelector('[data-riskpane]');
      const rect = host.shadowRoot.querySelector('.panel').getBoundingClientRect();
      const style = getComputedStyle(host);
      return { width: rect.width, height: rect.height, display: style.display, opacity: style.opacity, visibility: style.visibility };
    });
    assert.ok(box.width > 100 && box.height > 100, JSON.stringify(box));
    assert.equal(box.display, 'block');
    assert.equal(box.opacity, '1');
    assert.equal(box.visibility, 'visible');
    const detail = await page.evaluate(() => window.lastScored);
    assert.ok(detail.firedRules.includes('ATO-002'), 'JSON island fact not read');
    assert.ok(detail.firedRules.includes('VAL-001'), '1.299,00 € not read as 1299 EUR');
    assert.ok(detail.firedRules.includes('BRD-003'), 'German legal-threat keyword not matched');
    assert.match(detail.packHash, /^[0-9a-f]{64}$/);
    assert.match(detail.inputHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('unmount leaves nothing behind; German texts; theme variables', async () => {
    const { page } = await open('/embed.html?manual');
    const before = await page.evaluate(() => document.body.innerHTML);
    await page.evaluate(() => { window.handle = window.riskpaneMount({ lang: 'de' }); return window.handle.ready; });
    await scoreShown(page);
    const german = await widgetText(page);
    assert.match(german, /Risiko|Kritisch|Hoch|Mittel/);
    assert.match(german, /Checkliste/);
    const accent = await page.evaluate(() => document.querySelector('[data-riskpane]').style.getPropertyValue('--riskpane-accent'));
    assert.equal(accent.trim(), '#0b6e4f');
    await page.evaluate(() => window.handle.unmount());
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-riskpane]').length), 0);
    assert.equal(await page.evaluate(() => document.body.innerHTML), before);
    // Page changes after unmount do not resurrect anything.
    await page.evaluate(() => { document.querySelector('[data-field=order-total]').textContent = '5,00 €'; });
    // A widget still watching the page would re-score 100 ms (its debounce) after the change: that
    // nothing comes back can only be watched, for a few times that long.
    const widgets = () => page.evaluate(() => document.querySelectorAll('[data-riskpane]').length);
    await staysTrue(async () => (await widgets()) === 0, 500, 'no widget after the page changed following unmount');
    assert.equal(await widgets(), 0);
    await page.close();
  });

  test('mount → unmount → mount 100 times without growth of listeners, nodes or wasm memory', async () => {
    const { page, log } = await open('/embed.html?manual');
    const client = await page.context().newCDPSession(page);
    const cycle = (count) => page.evaluate(async (count) => {
      for (let index = 0; index < count; index += 1) {
        const handle = window.riskpaneMount();
        await handle.ready;
        await new Promise((resolve) => {
          const check = () => (document.querySelector('[data-riskpane]')?.shadowRoot?.querySelector('.score') ? resolve() : setTimeout(check, 5));
          check();
        });
        handle.unmount();
      }
    }, count);
    // Detached trees are collected lazily: collect at least four times, and on until the lowest
    // node count has not fallen for two rounds in a row (at most 20); keep the lowest counts.
    const measure = async () => {
      let counters = null;
      let steady = 0;
      for (let round = 0; round < 20 && (round < 4 || steady < 2); round += 1) {
        await client.send('HeapProfiler.collectGarbage');
        const sample = await client.send('Memory.getDOMCounters');
        if (!counters || sample.nodes < counters.nodes) {
          counters = sample;
          steady = 0;
        } else {
          steady += 1;
        }
      }
      return { ...counters, wasm: await wasmMemoryBytes(page) };
    };
    await cycle(20);
    const first = await measure();
    await cycle(100);
    const second = await measure();
    assert.ok(second.jsEventListeners <= first.jsEventListeners, `listeners ${first.jsEventListeners} → ${second.jsEventListeners}`);
    assert.ok(second.nodes <= first.nodes + 50, `nodes ${first.nodes} → ${second.nodes}`);
    // wasm memory only grows, in 64 KiB pages, at the allocator's high-water mark: after the
    // warm-up it may still step once or twice (seen once on CI: 1,376,256 → 1,507,328), but a leak
    // of even 1.3 KB per mount would add more than two pages over 100 cycles (a leaked pack or
    // report per mount would add megabytes).
    assert.ok(second.wasm <= first.wasm + 2 * 65536, `wasm memory ${first.wasm} → ${second.wasm}`);
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-riskpane]').length), 0);
    assert.deepEqual(log.pageErrors, []);
    console.log(`after 20 cycles: ${JSON.stringify(first)}; after 120: ${JSON.stringify(second)}`);
    await page.close();
  });

  test('a pack that fails to load is a clear error in the widget and the console, not a blank box', async () => {
    const { page, log } = await open('/embed.html?manual');
    await page.evaluate(() => { window.handle = window.riskpaneMount({ pack: '/riskpane/packs/missing.json' }); });
    await page.waitForFunction(() => document.querySelector('[data-riskpane]')?.shadowRoot?.querySelector('[role=alert]'));
    const text = await widgetText(page);
    assert.match(text, /Risk check unavailable/);
    assert.match(text, /rule pack could not be loaded from \/riskpane\/packs\/missing\.json: HTTP 404/);
    assert.ok(log.errors.some((message) => message.includes('riskpane: rule pack could not be loaded')), log.errors.join('\n'));
    // A file that is not a compiled pack says so.
    await page.evaluate(() => window.handle.update({ ...window.riskpaneOptions, pack: '/riskpane/profiles/demo.json' }));
    await page.waitForFunction(() => /expected a riskpane-compiled-pack/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    // Inline packs the browser parses and the wasm decodes a slice at a time (the text never
    // enters the wasm memory): each damage is its own clear error, never a panic.
    const damaged = [
      ['{"format": "riskpane-compiled-pack", "format_version": 8, "pack": "AAAA"', /rule pack is not valid JSON/],
      [{ format: 'riskpane-compiled-pack', format_version: 7, pack: 'AAAA' }, /riskpane-compiled-pack version 7 is not supported; this build reads 8/],
      [{ format: 'riskpane-compiled-pack', format_version: 8 }, /`pack` is missing/],
      [{ format: 'riskpane-compiled-pack', format_version: 8, pack: 'Zg=' }, /`pack` is not base64/],
      [{ format: 'riskpane-compiled-pack', format_version: 8.5, pack: 'AAAA' }, /riskpane-compiled-pack version 0 is not supported/],
      [{ format: 'riskpane-compiled-pack', format_version: 8, pack: 'Zg==Zg==' }, /`pack` is not base64/],
      [{ format: 'riskpane-compiled-pack', format_version: 8, pack: 'AAAA' }, /`pack` does not read at byte \d+ of 3/],
    ];
    for (const [pack, expected] of damaged) {
      await page.evaluate((pack) => window.handle.update({ ...window.riskpaneOptions, pack }), pack);
      await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('[data-riskpane]').shadowRoot.textContent), expected.source);
    }
    // A pack whose base64 spans many slices, damaged in the last one: the valid demo pack with one
    // symbol at the end replaced.
    const demo = await page.evaluate(() => fetch('/riskpane/packs/care.json').then((response) => response.json()));
    assert.ok(demo.pack.length > 4 * 65536, `care pack's base64 is ${demo.pack.length} symbols`);
    await page.evaluate((pack) => window.handle.update({ ...window.riskpaneOptions, pack }), { ...demo, pack: `${demo.pack.slice(0, -5)}!${demo.pack.slice(-4)}` });
    await page.waitForFunction(() => /`pack` is not base64/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    // Per-CRM builds: this page loads riskpane.js (generic REST); a Request Tracker profile needs
    // riskpane-rt.js, and the widget says so instead of taking decisions it could never send.
    await page.evaluate(() => window.handle.update({ ...window.riskpaneOptions, pack: '/riskpane/packs/care.json', profile: '/riskpane/profiles/request-tracker.json' }));
    await page.waitForFunction(() => /this riskpane build has no Request Tracker adapter: load riskpane-rt\.js instead/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    assert.equal(await shadow(page, '#rp-outcome').count(), 0, 'no decision form without an adapter');
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('invalid options throw a clear error from the handle, the page keeps running', async () => {
    const { page, log } = await open('/embed.html?manual');
    const message = await page.evaluate(async () => {
      try { await window.riskpaneMount({ pack: 42, shadow: 'sideways' }).ready; return 'no error'; } catch (error) { return String(error.message ?? error); }
    });
    assert.match(message, /option `pack` is required|option `shadow` must be/);
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });

  test('the <risk-pane> element and the pre-load queue', async () => {
    const { page } = await open('/embed.html?manual');
    await page.evaluate(() => {
      const element = document.createElement('risk-pane');
      element.setAttribute('pack', '/riskpane/packs/demo.json');
      element.setAttribute('profile', '/riskpane/profiles/demo.json');
      element.setAttribute('lang', 'de');
      document.body.append(element);
    });
    await scoreShown(page);
    assert.equal(await page.evaluate(() => document.querySelector('risk-pane').constructor.name), 'RiskPaneElement');
    await page.evaluate(() => document.querySelector('risk-pane').remove());
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-riskpane]').length), 0);
    // Commands queued before the script loaded run once it has.
    const queued = await browser.newPage();
    await queued.addInitScript(() => {
      window.riskpane = [];
      document.addEventListener('DOMContentLoaded', () => {
        window.riskpane.push(['mount', document.querySelector('#slot'), { pack: '/riskpane/packs/demo.json', profile: '/riskpane/profiles/demo.json' }, (handle) => { window.queuedHandle = handle; }]);
      });
    });
    await queued.goto(origin + '/embed.html?manual');
    await scoreShown(queued);
    assert.ok(await queued.evaluate(() => typeof window.queuedHandle.unmount === 'function'));
    await queued.close();
    await page.close();
  });
});

test('the accessibility audit (axe-core) finds no serious problems in the widget', async () => {
  const { page, log } = await open('/');
  await scoreShown(page);
  // Audit the settled widget: the decision form appears once the user and the CRM API are known,
  // the case's decisions once the CRM has answered for them.
  await page.waitForFunction(() => document.querySelector('[data-riskpane]').shadowRoot.querySelector('.decision'));
  await decisionsRead(page, log.finished);
  assert.deepEqual(await axeViolations(page), []);
  await page.close();
});

describe('quality reviews of earlier handling (issue 17)', () => {
  test('an expert reviews an agent\'s decision in the widget; the CRM checks it, adds the provider, and `riskpane qa` counts it', async () => {
    const { page, log } = await open('/');
    await scoreShown(page);
    const caseId = (await nextScored(page, () => page.evaluate(() => window.demoShowCase(1)))).caseKey;
    // Kim (Tier 2 agent) decides first.
    await page.locator('#rp-outcome').selectOption('approve_refund');
    await tickOpenChecklist(page);
    await page.locator('#rp-note').fill('Refunded, customer was polite.');
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /Stored in the CRM as D-\d+/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    // Eva (expert) reviews it: the QA part of the form appears only for QA outcomes.
    await page.evaluate(() => window.demoSignIn('eva'));
    await shadow(page, '#rp-outcome').waitFor();
    assert.equal(await shadow(page, 'fieldset.qa').count(), 0);
    await page.locator('#rp-outcome').selectOption('qa_coaching');
    await shadow(page, 'fieldset.qa').waitFor();
    assert.deepEqual(await shadow(page, '#rp-qa-agent option').allTextContents(), ['Choose…', 'Kim Berger']);
    await page.locator('#rp-qa-agent').selectOption('kim');
    await page.locator('#rp-qa-severity').selectOption('major');
    const step = await shadow(page, 'input[data-intent=toggle-qa-step]').first().getAttribute('data-intent-value');
    await shadow(page, 'input[data-intent=toggle-qa-step]').first().check();
    const riskBoxes = shadow(page, 'input[data-intent=toggle-qa-risk]');
    assert.ok(await riskBoxes.count() > 0, 'the case has fired rules to mark as ignored');
    const risk = await riskBoxes.first().getAttribute('data-intent-value');
    await riskBoxes.first().check();
    // The form is accessible with the QA part open.
    assert.deepEqual(await axeViolations(page), []);
    // A finding needs feedback: without a note the core refuses before anything is sent.
    await page.locator('#rp-note').fill('');
    await tickOpenChecklist(page);
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => /a finding needs feedback/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    await page.locator('#rp-note').fill('Proof of delivery was on file: check it before refunding. <b>not markup</b>');
    await shadow(page, '.decision').screenshot({ path: path.join(artifacts, 'qa-review-form.png') });
    await page.locator('button[data-intent=submit-decision]').click();
    await page.waitForFunction(() => (document.querySelector('[data-riskpane]').shadowRoot.textContent.match(/Stored in the CRM as D-\d+/g) || []).length >= 1
      && /Quality review: coaching/.test(document.querySelector('[data-riskpane]').shadowRoot.textContent));
    const decisions = (await api(`/api/cases/${caseId}/decisions`, 'demo-expert-max')).body.decisions;
    const review = decisions.find((decision) => decision.outcome === 'qa_coaching');
    assert.ok(review, JSON.stringify(decisions.map((decision) => decision.outcome)));
    // The CRM, not the browser, says which provider the agent works for.
    assert.deepEqual(review.qa, { agent: 'kim', provider: 'Atlas Care', severity: 'major', missed_steps: [step], ignored_risks: [risk] });
    // Devtools: the same record re-sent as a review of Eva's own handling, or of someone who never
    // decided on the case, is refused by the CRM; a forged provider is replaced by the CRM's.
    const forge = (change) => {
      const record = structuredClone(review);
      for (const key of ['reference', 'scored_at']) delete record[key];
      record.id = crypto.randomUUID();
      change(record);
      return api(`/api/cases/${caseId}/decisions`, 'demo-expert-eva', { method: 'POST', body: JSON.stringify(record), headers: { 'Idempotency-Key': record.id } });
    };
    const own = await forge((record) => { record.qa.agent = 'eva'; });
    assert.equal(own.status, 422, JSON.stringify(own.body));
    assert.match(JSON.stringify(own.body), /does not review their own handling/);
    const stranger = await forge((record) => { record.qa.agent = 'max'; });
    assert.equal(stranger.status, 422, JSON.stringify(stranger.body));
    assert.match(JSON.stringify(stranger.body), /made no decision on this case/);
    const agentId = crypto.randomUUID();
    const byAgent = await api(`/api/cases/${caseId}/decisions`, 'demo-agent-kim', { method: 'POST', body: JSON.stringify({ ...review, id: agentId, reference: undefined, scored_at: undefined }), headers: { 'Idempotency-Key': agentId } });
    assert.equal(byAgent.status, 422, JSON.stringify(byAgent.body));
    assert.match(JSON.stringify(byAgent.body), /only experts review earlier handling/);
    const forged = await forge((record) => { record.qa.provider = 'Someone Else Ltd'; });
    assert.equal(forged.status, 201, JSON.stringify(forged.body));
    assert.equal(forged.body.decision.qa.provider, 'Atlas Care');
    // The CRM's export is what `riskpane qa` reads: one review per line.
    assert.equal((await api('/api/qa-reviews', 'demo-agent-kim')).status, 403);
    const exported = (await api('/api/qa-reviews', 'demo-expert-eva')).body.reviews.filter((line) => line.case_id === caseId);
    assert.deepEqual(exported.map((line) => [line.format, line.verdict, line.handled_by.agent, line.handled_by.provider, line.reviewer.id]),
      [['riskpane.qa_review', 'qa_coaching', 'kim', 'Atlas Care', 'eva'], ['riskpane.qa_review', 'qa_coaching', 'kim', 'Atlas Care', 'eva']]);
    const file = path.join(artifacts, 'qa-reviews.ndjson');
    fs.writeFileSync(file, exported.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const day = (offset) => new Date(now() + offset * 86_400_000).toISOString().slice(0, 10);
    const summary = JSON.parse(execFileSync(path.join(repo, 'target/debug/riskpane'),
      ['qa', '--reviews', file, '--from', day(-1), '--to', day(1), '--format', 'json'], { encoding: 'utf8' }));
    assert.equal(summary.reviews, 2);
    assert.deepEqual([summary.providers['Atlas Care'].reviews, summary.providers['Atlas Care'].with_findings], [2, 2]);
    assert.deepEqual(summary.missed_steps.map((finding) => [finding.id, finding.count]), [[step, 2]]);
    assert.equal(summary.agents[0].agent, 'kim');
    // The feedback was shown as text in the decision list, never as markup.
    assert.equal(await shadow(page, 'b').count(), 0);
    assert.deepEqual(log.pageErrors, []);
    await page.close();
  });
});
