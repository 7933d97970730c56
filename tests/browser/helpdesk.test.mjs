// The widget inside a real django-helpdesk ticket page (PyPI django-helpdesk with SQLite, started
// by pkg-config/crm/django-helpdesk/helpdesk-up.sh, which `cargo xtask browser-tests` runs): sign
// in as the seeded agent, open the seeded tickets and check what the widget computes from what the
// page shows; then the four-eye flow written into the helpdesk (asserted through its REST API, as
// the admin), and the attempts someone with devtools would make with their own session and CSRF
// token, each refused by the helpdesk itself (HTTP 403). Screenshots land in artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { artifacts, clockShiftDays, launchBrowser, now, tickOpenChecklist } from './harness.mjs';
import { asUser, helpdesk, hoursAgo, newTicket, signIn, ticketState, withRecord } from './helpdesk-harness.mjs';

let browser;

before(async () => {
  // The guard run moves every clock ahead: the helpdesk must have been started for the same clock.
  assert.equal(helpdesk.clockShiftDays ?? 0, clockShiftDays, 'helpdesk-up.sh ran with another RISKPANE_CLOCK_SHIFT_DAYS than the tests');
  browser = await launchBrowser();
});

after(async () => { await browser?.close(); });

/** django-helpdesk 2.6.1's own sb-admin.js throws on every staff page (it looks for a sidebar
 * toggle the page does not have): an error of the host page, not of the widget. */
const helpdeskOwnError = (error) => /\/static\/helpdesk\/js\/sb-admin\.js/.test((error.stack ?? '').split('\n')[1] ?? '');

async function logIn(user, password) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const log = { requests: [], pageErrors: [] };
  page.on('request', (request) => log.requests.push(request.url()));
  page.on('pageerror', (error) => { if (!helpdeskOwnError(error)) log.pageErrors.push(error.message); });
  await signIn(page, helpdesk.base, user, password);
  return { page, log };
}

const widget = '#riskpane-root [data-riskpane]';
const shadowText = (page) => page.evaluate((widget) => document.querySelector(widget).shadowRoot.textContent, widget);

async function openTicket(page, id) {
  await page.goto(`${helpdesk.base}/helpdesk/tickets/${id}/`);
  await page.waitForFunction((widget) => document.querySelector(widget)?.shadowRoot?.querySelector('.score'), widget, { timeout: 20000 });
  return shadowText(page);
}

/** A fresh item-not-received ticket like the seeded one: delivered 25 hours and the e-mail
 * changed 64 hours before the claim, whatever the date. */
async function newInrTicket(title, description = 'My parcel never arrived. I need the refund RIGHT NOW, this is urgent. Send it to my new card please.') {
  const id = await newTicket(title, description, {
    case_type: 'item_not_received', channel: 'email', order_total_eur: '649.90', median_basket_eur: '89.95', account_age_days: 12,
    delivered_at: hoursAgo(25), proof_of_delivery: true, claims_12_months: 3, identity_verified: false,
    last_credential_change: hoursAgo(64), refund_to_new_instrument: true,
  });
  return id;
}

/** Proposes "restrict the account" (always four eyes in the care pack) in the widget on an open
 * ticket page; returns the record the helpdesk stored. */
async function proposeRestriction(page, ticket) {
  await page.locator('#rp-outcome').selectOption('restrict_account');
  await page.locator('#rp-reason').selectOption('ABUSE_PATTERN');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction((widget) => /checklist items still open/.test(document.querySelector(widget).shadowRoot.querySelector('.submit-status')?.textContent ?? ''), widget);
  await tickOpenChecklist(page, '#riskpane-root');
  await page.locator('#rp-note').fill('Third claim this year on a 12-day-old account; carrier photo shows the parcel at the door.');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction(({ widget, id }) => document.querySelector(widget).shadowRoot.textContent.includes(`Stored in the CRM as django-helpdesk ticket #${id}`), { widget, id: ticket }, { timeout: 30000 });
  return (await ticketState(ticket)).records.at(-1).record;
}

const noForeignRequests = (log) => log.requests.filter((url) => !url.startsWith(`${helpdesk.base}/`) && !url.startsWith('data:'));

test('the widget scores django-helpdesk tickets from what the ticket page shows', async () => {
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  const inr = await openTicket(page, helpdesk.inr);
  assert.match(inr, /^100Critical/);
  assert.match(inr, /Item-not-received claim although the carrier has proof of delivery/);
  assert.match(inr, /New account with an unusually high order/);
  assert.match(inr, /Refund to a different payment method/);
  await page.screenshot({ path: path.join(artifacts, 'helpdesk-ticket-inr-1400.png') });

  const gdpr = await openTicket(page, helpdesk.gdpr);
  assert.match(gdpr, /Data-subject request in the message/);
  assert.match(gdpr, /Data-subject request from an unverified requester/);
  assert.match(gdpr, /Deadlines.*Answer the data-subject request/s);

  const social = await openTicket(page, helpdesk.social);
  assert.match(social, /Complaint on a public channel/);
  assert.match(social, /High-reach author/);
  assert.match(social, /Legal threat/);

  assert.deepEqual(noForeignRequests(log), [], 'the widget talks to the helpdesk only');
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('four eyes in django-helpdesk: the agent proposes, the helpdesk refuses the agent\'s confirmation, the expert confirms', async () => {
  const ticket = await newInrTicket(`Parcel never arrived (four-eye run ${Date.now()})`);
  const agent = await logIn('widget-agent', 'agentpass123');
  const page = agent.page;
  assert.match(await openTicket(page, ticket), /^100Critical/);
  const proposal = await proposeRestriction(page, ticket);
  assert.match(await shadowText(page), /waiting for someone else to confirm/);
  assert.equal(await page.locator('#riskpane-root button[data-intent=confirm-decision]').count(), 0, 'the maker sees no confirm button');
  await page.screenshot({ path: path.join(artifacts, 'helpdesk-ticket-decision-pending-1400.png'), fullPage: true });

  // In the helpdesk: one internal follow-up by the agent with the record, and the result fields.
  let state = await ticketState(ticket);
  assert.equal(state.records.length, 1, 'the follow-up is there exactly once');
  assert.equal(state.records[0].public, false, 'an internal follow-up');
  assert.equal(state.records[0].user, helpdesk.users['widget-agent']);
  assert.equal(proposal.state, 'pending_confirmation');
  assert.equal(proposal.maker.id, String(helpdesk.users['widget-agent']), 'the maker is the signed-in helpdesk user');
  assert.equal(proposal.maker.name, 'Kim Berger');
  assert.match(state.records[0].summary, /Restrict the account - proposed, waits for a second approval/);
  assert.equal(state.ticket.custom_risk_score, 100);
  assert.equal(state.ticket.custom_risk_band, 'critical');
  assert.deepEqual(state.ticket.custom_risk_flags.split(',').sort(), ['four-eyes', 'fraud']);
  assert.ok(!state.ticket.custom_decision_state, 'no decision state yet');
  assert.equal(state.ticket.status, 1);

  // The agent with devtools: the same session and CSRF token, bypassing the widget.
  const selfConfirmed = { ...proposal, state: 'confirmed', by: proposal.maker, at: new Date(now()).toISOString(), note_of_checker: 'Fine by me.' };
  const confirmation = await asUser(page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision checked', selfConfirmed), public: false });
  assert.equal(confirmation.status, 403, JSON.stringify(confirmation.body));
  assert.match(confirmation.body.detail, /the maker of a decision cannot confirm or reject it/);
  const asExpert = { ...selfConfirmed, by: { ...proposal.maker, role: 'expert' } };
  const roleForged = await asUser(page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision checked', asExpert), public: false });
  assert.equal(roleForged.status, 403, JSON.stringify(roleForged.body));
  const stateField = await asUser(page, 'PATCH', `/tickets/${ticket}/`, { custom_decision_state: 'confirmed' });
  assert.equal(stateField.status, 403, JSON.stringify(stateField.body));
  const resolved = await asUser(page, 'PATCH', `/tickets/${ticket}/`, { status: 3 });
  assert.equal(resolved.status, 403, JSON.stringify(resolved.body));
  assert.match(resolved.body.detail, /waits for a second approval/);
  const withoutCsrf = await asUser(page, 'PATCH', `/tickets/${ticket}/`, { custom_risk_flags: 'fraud' }, { csrf: false });
  assert.equal(withoutCsrf.status, 403, 'the session cookie alone is not enough: Django wants the CSRF token');
  assert.match(withoutCsrf.body.detail, /CSRF/);
  state = await ticketState(ticket);
  assert.equal(state.records.length, 1, 'nothing the helpdesk refused was stored');
  assert.ok(!state.ticket.custom_decision_state);
  assert.equal(state.ticket.status, 1);
  assert.deepEqual(agent.log.pageErrors, []);
  await page.close();

  // The expert opens the ticket, sees the pending decision and confirms it in the widget.
  const expert = await logIn('widget-expert', 'expertpass123');
  await openTicket(expert.page, ticket);
  const confirm = expert.page.locator('#riskpane-root button[data-intent=confirm-decision]');
  await confirm.waitFor({ timeout: 20000 });
  await expert.page.locator('#riskpane-root textarea[id^=rp-check-note-]').fill('Pattern confirmed with the carrier report.');
  await confirm.click();
  await expert.page.waitForFunction((widget) => /confirmed by Eva Lindqvist/.test(document.querySelector(widget).shadowRoot.textContent), widget, { timeout: 30000 });
  await expert.page.screenshot({ path: path.join(artifacts, 'helpdesk-ticket-decision-confirmed-1400.png'), fullPage: true });

  state = await ticketState(ticket);
  assert.equal(state.records.length, 2, 'proposal and confirmation, each once');
  const [, checked] = state.records;
  assert.equal(checked.user, helpdesk.users['widget-expert']);
  assert.equal(checked.public, false);
  assert.equal(checked.record.id, proposal.id);
  assert.equal(checked.record.state, 'confirmed');
  assert.equal(checked.record.by.id, String(helpdesk.users['widget-expert']));
  assert.equal(checked.record.note_of_checker, 'Pattern confirmed with the carrier report.');
  assert.equal(state.ticket.custom_decision_state, 'confirmed');
  assert.equal(state.ticket.custom_risk_flags, 'fraud', 'no longer waiting for four eyes');
  assert.equal(state.ticket.status, 3, 'the profile maps a confirmed restriction to resolved');
  assert.deepEqual(expert.log.pageErrors, []);
  assert.deepEqual(noForeignRequests(expert.log), [], 'the widget talks to the helpdesk only');
  await expert.page.close();
});

test('the helpdesk refuses what the widget would never send: own confirmations, rewritten proposals, public or forged records, an agent\'s band', async () => {
  const ticket = await newInrTicket(`Devtools attempts (${Date.now()})`);
  const expert = await logIn('widget-expert', 'expertpass123');
  await openTicket(expert.page, ticket);
  const own = await proposeRestriction(expert.page, ticket);
  assert.equal(own.maker.id, String(helpdesk.users['widget-expert']));
  const selfCheck = { ...own, state: 'confirmed', by: own.maker, at: new Date(now()).toISOString(), note_of_checker: 'ok' };
  const refusedOwn = await asUser(expert.page, 'POST', '/followups/', { ticket, comment: withRecord('checked', selfCheck), public: false });
  assert.equal(refusedOwn.status, 403, JSON.stringify(refusedOwn.body));
  assert.match(refusedOwn.body.detail, /the maker of a decision cannot confirm or reject it/);

  // The agent cannot confirm the expert's proposal: not an expert.
  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  const agentUser = { id: String(helpdesk.users['widget-agent']), name: 'Kim Berger', role: 'expert' };
  const byAgent = { ...own, state: 'confirmed', by: agentUser, at: new Date(now()).toISOString(), note_of_checker: 'ok' };
  const refusedAgent = await asUser(agent.page, 'POST', '/followups/', { ticket, comment: withRecord('checked', byAgent), public: false });
  assert.equal(refusedAgent.status, 403, JSON.stringify(refusedAgent.body));

  // A record naming someone else as its maker, a "decided" restriction, a public record.
  const forgedMaker = { ...own, id: randomUUID(), maker: { id: String(helpdesk.users['widget-expert']), name: 'Eva Lindqvist', role: 'expert' } };
  const refusedMaker = await asUser(agent.page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision', forgedMaker), public: false });
  assert.equal(refusedMaker.status, 403, JSON.stringify(refusedMaker.body));
  assert.match(refusedMaker.body.detail, /names .* as its maker/);
  const agentMaker = { id: String(helpdesk.users['widget-agent']), name: 'Kim Berger', role: 'agent' };
  const decided = { ...own, id: randomUUID(), maker: agentMaker, state: 'decided', requires_second_approval: false };
  const refusedDecided = await asUser(agent.page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision', decided), public: false });
  assert.equal(refusedDecided.status, 403, JSON.stringify(refusedDecided.body));
  assert.match(refusedDecided.body.detail, /needs a second approval here/);
  const pending = { ...own, id: randomUUID(), maker: agentMaker };
  const refusedPublic = await asUser(agent.page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision', pending), public: true });
  assert.equal(refusedPublic.status, 403, JSON.stringify(refusedPublic.body));
  assert.match(refusedPublic.body.detail, /internal follow-up/);

  // An agent lowering the band.
  const lowered = await asUser(agent.page, 'PATCH', `/tickets/${ticket}/`, { custom_risk_band: 'low' });
  assert.equal(lowered.status, 403, JSON.stringify(lowered.body));
  assert.match(lowered.body.detail, /only experts override the band/);

  // None of it was stored: the expert's proposal waits, as the widget wrote it.
  const state = await ticketState(ticket);
  assert.deepEqual(state.records.map((item) => item.record.state), ['pending_confirmation'], 'only the widget\'s proposal is stored');
  assert.equal(state.ticket.custom_risk_band, 'critical');
  assert.equal(state.ticket.custom_decision_state, 'pending_confirmation');
  assert.deepEqual(agent.log.pageErrors, []);
  await agent.page.close();
  await expert.page.close();
});

test('public replies in django-helpdesk: the agent proposes the text, the helpdesk refuses an expert\'s confirmation, Communications confirms', async () => {
  const ticket = await newTicket(`Instagram: seams came apart (${Date.now()})`,
    '@brand my new swimsuit came apart at the seams on the first day at the pool. 48k followers will hear about it.',
    { case_type: 'complaint', channel: 'social_media', followers: 48200, identity_verified: false });
  const reply = 'Hi Lena, we are sorry to read this. We have sent you a direct message so we can put it right.';
  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  await agent.page.locator('#rp-outcome').selectOption('reply_publicly');
  await tickOpenChecklist(agent.page, '#riskpane-root');
  await agent.page.locator('#rp-reply').fill(reply);
  await agent.page.locator('button[data-intent=submit-decision]').click();
  await agent.page.waitForFunction(({ widget, id }) => document.querySelector(widget).shadowRoot.textContent.includes(`Stored in the CRM as django-helpdesk ticket #${id}`), { widget, id: ticket }, { timeout: 30000 });
  const proposal = (await ticketState(ticket)).records.at(-1).record;
  assert.deepEqual([proposal.outcome, proposal.state, proposal.confirmed_by, proposal.reply_text], ['reply_publicly', 'pending_confirmation', 'communications', reply]);
  assert.deepEqual(agent.log.pageErrors, []);
  await agent.page.close();

  // The expert gets no button, and the helpdesk refuses her confirmation sent with devtools.
  const expert = await logIn('widget-expert', 'expertpass123');
  await openTicket(expert.page, ticket);
  await expert.page.waitForFunction((widget) => /awaits confirmation by Communications/.test(document.querySelector(widget).shadowRoot.textContent), widget);
  assert.equal(await expert.page.locator('#riskpane-root button[data-intent=confirm-decision]').count(), 0);
  const byExpert = { ...proposal, state: 'confirmed', by: { id: String(helpdesk.users['widget-expert']), name: 'Eva Lindqvist', role: 'expert' }, at: new Date(now()).toISOString(), note_of_checker: 'Fine.' };
  const refused = await asUser(expert.page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision checked', byExpert), public: false });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.match(refused.body.detail, /only Communications can confirm or reject a public reply/);
  await expert.page.close();

  // Communications reads the exact text and confirms it.
  const comms = await logIn('widget-comms', 'commspass123');
  await openTicket(comms.page, ticket);
  const confirm = comms.page.locator('#riskpane-root button[data-intent=confirm-decision]');
  await confirm.waitFor({ timeout: 20000 });
  assert.equal(await comms.page.locator('#riskpane-root .reply-text q').textContent(), reply);
  await confirm.click();
  await comms.page.waitForFunction((widget) => /confirmed by Chris Ahn/.test(document.querySelector(widget).shadowRoot.textContent), widget, { timeout: 30000 });
  const state = await ticketState(ticket);
  const last = state.records.at(-1);
  assert.deepEqual([last.user, last.record.state, last.record.by.role], [helpdesk.users['widget-comms'], 'confirmed', 'communications']);
  assert.equal(state.ticket.custom_decision_state, 'confirmed');
  assert.deepEqual(comms.log.pageErrors, []);
  await comms.page.close();
});

test('a confirmation that rewrites the proposal is refused; the honest one is taken', async () => {
  const ticket = await newInrTicket(`Confirmation rewrites the proposal (${Date.now()})`);
  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  const proposal = await proposeRestriction(agent.page, ticket);
  await agent.page.close();
  const { page, log } = await logIn('widget-expert', 'expertpass123');
  await openTicket(page, ticket);
  const checker = { id: String(helpdesk.users['widget-expert']), name: 'Eva Lindqvist', role: 'expert' };
  const rewritten = { ...proposal, note: 'Refund approved after all.', state: 'confirmed', by: checker, at: new Date(now()).toISOString(), note_of_checker: 'ok' };
  const posted = await asUser(page, 'POST', '/followups/', { ticket, comment: withRecord('checked', rewritten), public: false });
  assert.equal(posted.status, 403, JSON.stringify(posted.body));
  assert.match(posted.body.detail, /must leave the proposal as it was/);
  await page.locator('#riskpane-root textarea[id^=rp-check-note-]').fill('Pattern confirmed.');
  await page.locator('#riskpane-root button[data-intent=confirm-decision]').click();
  await page.waitForFunction((widget) => /confirmed by Eva Lindqvist/.test(document.querySelector(widget).shadowRoot.textContent), widget, { timeout: 30000 });
  const state = await ticketState(ticket);
  assert.deepEqual(state.records.map((item) => item.record.state), ['pending_confirmation', 'confirmed']);
  assert.equal(state.ticket.custom_decision_state, 'confirmed');
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('ticket text cannot break the ticket page: <!--<script>, </script> and U+2028 in title and message', async () => {
  const hostile = 'Parcel <!--<script> never arrived </script><img src=x onerror="window.pwned=1"> & \u2028 <b>now</b>';
  const ticket = await newInrTicket(hostile, `${hostile}\nMy parcel never arrived. I need the refund RIGHT NOW.`);
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  assert.match(await openTicket(page, ticket), /^100Critical/);
  const island = await page.evaluate(() => {
    const element = document.querySelector('#riskpane-ticket');
    return { title: JSON.parse(element.textContent).title, pwned: window.pwned ?? null };
  });
  assert.equal(island.title, hostile, 'the island carries the title exactly');
  assert.equal(island.pwned, null);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('a quality review in django-helpdesk: the expert reviews the agent\'s handling in the widget; the export takes the provider from the helpdesk', async () => {
  const ticket = await newInrTicket(`QA review source (${Date.now()})`);
  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  await proposeRestriction(agent.page, ticket);
  await agent.page.close();

  const expert = await logIn('widget-expert', 'expertpass123');
  const page = expert.page;
  await openTicket(page, ticket);
  await page.locator('#rp-outcome').selectOption('qa_coaching');
  await page.locator('#riskpane-root fieldset.qa').waitFor();
  const agentId = String(helpdesk.users['widget-agent']);
  assert.deepEqual(await page.locator('#riskpane-root #rp-qa-agent option').allTextContents(), ['Choose…', 'Kim Berger']);
  await page.locator('#riskpane-root #rp-qa-agent').selectOption(agentId);
  await page.locator('#riskpane-root #rp-qa-severity').selectOption('minor');
  const stepBox = page.locator('#riskpane-root input[data-intent=toggle-qa-step]').first();
  const step = await stepBox.getAttribute('data-intent-value');
  await stepBox.check();
  await tickOpenChecklist(page, '#riskpane-root');
  await page.locator('#riskpane-root #rp-note').fill('Right call; check the carrier photo before proposing a restriction.');
  await page.locator('#riskpane-root button[data-intent=submit-decision]').click();
  await page.waitForFunction(({ widget, id }) => {
    const text = document.querySelector(widget).shadowRoot.textContent;
    return text.includes(`Stored in the CRM as django-helpdesk ticket #${id}`) && /Quality review: coaching/.test(text);
  }, { widget, id: ticket }, { timeout: 30000 });
  const review = (await ticketState(ticket)).records.at(-1).record;
  assert.deepEqual([review.outcome, review.maker.id, review.qa.agent, review.qa.missed_steps], ['qa_coaching', String(helpdesk.users['widget-expert']), agentId, [step]]);

  // Devtools: the expert's second review names a provider of her choosing; the helpdesk keeps the
  // review, and a review of someone who made no decision here is refused (403) and never stored.
  const forged = (change) => { const record = structuredClone(review); delete record.reference; record.id = randomUUID(); change(record); return record; };
  const ownProvider = forged((record) => { record.qa.provider = 'Forged Ltd'; record.qa.severity = 'major'; });
  const kept = await asUser(page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision', ownProvider), public: false });
  assert.equal(kept.status, 201, JSON.stringify(kept.body));
  const stranger = forged((record) => { record.qa.agent = String(helpdesk.users['widget-comms']); });
  const refused = await asUser(page, 'POST', '/followups/', { ticket, comment: withRecord('riskpane decision', stranger), public: false });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.deepEqual(expert.log.pageErrors, []);
  await page.close();

  // The export on the helpdesk's host is what `riskpane qa` reads: the provider from the helpdesk's
  // own directory (the agent's "Service Provider: …" group), the follow-up's time.
  const env = { ...process.env, RISKPANE_HELPDESK_STATE: helpdesk.state, RISKPANE_DIR: helpdesk.riskpaneDir };
  const exported = execFileSync(path.join(helpdesk.state, 'venv/bin/python'), [path.join(helpdesk.state, 'project/manage.py'), 'riskpane_qa_export'], { encoding: 'utf8', env });
  const reviews = exported.trim().split('\n').map((line) => JSON.parse(line)).filter((r) => r.case_id === String(ticket));
  assert.deepEqual(reviews.map((r) => [r.id, r.reviewer.id, r.handled_by.agent, r.handled_by.provider, r.verdict, r.severity]),
    [[review.id, String(helpdesk.users['widget-expert']), agentId, 'Atlas Care', 'qa_coaching', 'minor'],
     [ownProvider.id, String(helpdesk.users['widget-expert']), agentId, 'Atlas Care', 'qa_coaching', 'major']]);
  assert.ok(reviews.every((r) => Math.abs(Date.parse(r.reviewed_at) - now()) < 15 * 60 * 1000), `the helpdesk's time: ${exported}`);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'helpdesk-qa-')), 'reviews.ndjson');
  writeFileSync(file, reviews.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const day = (offset) => new Date(now() + offset * 86400000).toISOString().slice(0, 10);
  const summary = JSON.parse(execFileSync(path.join(helpdesk.riskpaneDir, 'riskpane'),
    ['qa', '--reviews', file, '--from', day(-1), '--to', day(1), '--format', 'json'], { encoding: 'utf8' }));
  assert.deepEqual([summary.reviews, summary.bad_lines, Object.keys(summary.providers)], [2, 0, ['Atlas Care']]);
  assert.deepEqual(summary.missed_steps.map((finding) => [finding.id, finding.count, finding.by_provider]), [[step, 2, { 'Atlas Care': 2 }]]);
});
