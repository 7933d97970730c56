// The widget inside a real Request Tracker 5 ticket page (Debian's request-tracker5 with SQLite,
// started by pkg-config/crm/request-tracker/rt-up.sh, which `cargo xtask browser-tests` runs):
// log in as the seeded agent, open the seeded tickets, and check what the widget computes from
// what RT shows; then the four-eye flow written into RT (asserted through RT's REST API, as root).
// Screenshots of the RT ticket page with the widget land in artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { artifacts, clockShiftDays, launchBrowser, now } from './harness.mjs';

const tickets = JSON.parse(readFileSync(path.join(process.env.RT_STATE || '/var/lib/request-tracker5/riskpane', 'tickets.json'), 'utf8'));
let browser;

before(async () => {
  // The guard run moves every clock ahead: RT must have been started for the same clock.
  assert.equal(tickets.clockShiftDays ?? 0, clockShiftDays, 'rt-up.sh ran with another RISKPANE_CLOCK_SHIFT_DAYS than the tests');
  browser = await launchBrowser();
});

after(async () => { await browser?.close(); });

async function logIn(user, password) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const log = { requests: [], pageErrors: [] };
  page.on('request', (request) => log.requests.push(request.url()));
  page.on('pageerror', (error) => log.pageErrors.push(error.message));
  await page.goto(`${tickets.base}/`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=pass]', password);
  await Promise.all([page.waitForNavigation(), page.press('input[name=pass]', 'Enter')]);
  return { page, log };
}

const ROOT = 'Basic ' + Buffer.from('root:rootpass123').toString('base64');
const BLOCK = '-----BEGIN RISKPANE DECISION-----';

/** RT's REST 2.0 as root (test setup and assertions only; the widget uses the session cookie). */
async function rest(method, route, body) {
  const response = await fetch(`${tickets.base}/REST/2.0${route}`, {
    method, headers: { Authorization: ROOT, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** RT's datetime for `hours` before now (the ticket is created now, so: before it was opened). */
const hoursAgo = (hours) => new Date(now() - hours * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');

/** A fresh copy of the seeded item-not-received ticket, so reruns start clean: delivered 25 hours
 * and the e-mail changed 64 hours before the claim, whatever the date. */
async function newInrTicket(subject, content = 'My parcel never arrived. I need the refund RIGHT NOW, this is urgent. Send it to my new card please.') {
  const created = await rest('POST', '/ticket', {
    Queue: 'Risk Review', Subject: subject, Requestor: 'anna.schmidt@example.com', ContentType: 'text/plain',
    Content: content,
    CustomFields: { 'Case Type': 'item_not_received', Channel: 'email', 'Order Total (EUR)': '649.90', 'Median Basket (EUR)': '89.95',
      'Account Age (days)': '12', 'Delivered At': hoursAgo(25), 'Proof of Delivery': 'yes', 'Claims (12 months)': '3',
      'Identity Verified': 'no', 'Last Credential Change': hoursAgo(64), 'Refund To New Instrument': 'yes' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // RT's clock is the tests' clock (faketime in the guard run): the ticket was created just now.
  const { body } = await rest('GET', `/ticket/${created.body.id}`);
  assert.ok(Math.abs(Date.parse(body.Created) - now()) < 10 * 60_000, `RT created the ticket at ${body.Created}; the tests' now is ${new Date(now()).toISOString()}`);
  return created.body.id;
}

/** The ticket's custom fields by name, and its status. */
async function ticketState(id) {
  const { body } = await rest('GET', `/ticket/${id}`);
  return { status: body.Status, fields: Object.fromEntries(body.CustomFields.map((field) => [field.name, field.values])) };
}

/** The decision records in the ticket's comments, in order, with each comment's author. */
async function decisionComments(id) {
  const { body } = await rest('POST', `/ticket/${id}/attachments?fields=Content,Creator&per_page=100&orderby=id&order=ASC`,
    [{ field: 'Content', operator: 'LIKE', value: BLOCK }]);
  return body.items.map((item) => {
    const record = JSON.parse(item.Content.split(BLOCK)[1].split('-----END RISKPANE DECISION-----')[0]);
    return { author: item.Creator.id, summary: item.Content.split(BLOCK)[0], record };
  });
}

const shadowText = (page) => page.evaluate(() => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent);

async function openTicket(page, id) {
  await page.goto(`${tickets.base}/Ticket/Display.html?id=${id}`);
  await page.waitForFunction(() => document.querySelector('#riskpane-root [data-riskpane]')?.shadowRoot?.querySelector('.score'), null, { timeout: 20000 });
  return page.evaluate(() => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent);
}

test('the widget scores Request Tracker tickets from what the ticket page shows', async () => {
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  const inr = await openTicket(page, tickets.inr);
  assert.match(inr, /^100Critical/);
  assert.match(inr, /Item-not-received claim although the carrier has proof of delivery/);
  assert.match(inr, /New account with an unusually high order/);
  assert.match(inr, /Refund to a different payment method/);
  await page.screenshot({ path: path.join(artifacts, 'rt-ticket-inr-1400.png') });

  const gdpr = await openTicket(page, tickets.gdpr);
  assert.match(gdpr, /Data-subject request in the message/);
  assert.match(gdpr, /Data-subject request from an unverified requester/);
  assert.match(gdpr, /Deadlines.*Answer the data-subject request/s);
  await page.screenshot({ path: path.join(artifacts, 'rt-ticket-gdpr-1400.png') });

  const social = await openTicket(page, tickets.social);
  assert.match(social, /Complaint on a public channel/);
  assert.match(social, /High-reach author/);
  assert.match(social, /Legal threat/);
  assert.match(social, /Press involvement/);

  const foreign = log.requests.filter((url) => !url.startsWith(`${tickets.base}/`) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the widget talks to RT only');
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('four eyes in Request Tracker: the agent proposes, RT refuses the agent confirmation, the expert confirms', async () => {
  const ticket = await newInrTicket(`Parcel never arrived (four-eye run ${Date.now()})`);
  const agent = await logIn('widget-agent', 'agentpass123');
  const page = agent.page;
  assert.match(await openTicket(page, ticket), /^100Critical/);
  await page.locator('#rp-outcome').selectOption('restrict_account');
  await page.locator('#rp-reason').selectOption('ABUSE_PATTERN');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction(() => /checklist items still open/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector('.submit-status')?.textContent ?? ''));
  const boxes = page.locator('#riskpane-root input[type=checkbox]:not(:checked):not([disabled])');
  while (await boxes.count() > 0) await boxes.first().check();
  await page.locator('#rp-note').fill('Third claim this year on a 12-day-old account; carrier photo shows the parcel at the door.');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction((id) => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent.includes(`Stored in the CRM as RT ticket #${id}`), ticket, { timeout: 30000 });
  assert.match(await shadowText(page), /waiting for someone else to confirm/);
  assert.equal(await page.locator('#riskpane-root button[data-intent=confirm-decision]').count(), 0, 'the maker sees no confirm button');
  await page.screenshot({ path: path.join(artifacts, 'rt-ticket-decision-pending-1400.png'), fullPage: true });

  // In RT: one private comment with the record, and the result fields; no decision state yet.
  let comments = await decisionComments(ticket);
  assert.equal(comments.length, 1, 'the comment is there exactly once');
  const [proposal] = comments;
  assert.equal(proposal.author, 'widget-agent');
  assert.equal(proposal.record.state, 'pending_confirmation');
  assert.equal(proposal.record.maker.id, 'widget-agent', 'the maker comes from RT.CurrentUser (the loader passes no user)');
  assert.equal(proposal.record.maker.name, 'Kim Berger');
  assert.equal(proposal.record.outcome, 'restrict_account');
  assert.match(proposal.summary, /Restrict the account - proposed, waits for a second approval/);
  assert.match(proposal.summary, /Score 100\/100, band critical/);
  let state = await ticketState(ticket);
  assert.deepEqual(state.fields['Risk Score'], ['100']);
  assert.deepEqual(state.fields['Risk Band'], ['critical']);
  assert.deepEqual([...state.fields['Risk Flags']].sort(), ['four-eyes', 'fraud']);
  assert.deepEqual(state.fields['Decision State'], []);
  assert.equal(state.status, 'new');

  // The agent cannot confirm: RT itself refuses the decision-state field to a non-expert.
  const refused = await page.evaluate(async (id) => {
    const response = await fetch(`/REST/2.0/ticket/${id}`, { method: 'PUT', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ CustomFields: { 'Decision State': 'confirmed' } }) });
    return { status: response.status, body: await response.json() };
  }, ticket);
  assert.equal(refused.status, 200);
  assert.match(refused.body.join(' '), /Permission Denied/);
  assert.deepEqual((await ticketState(ticket)).fields['Decision State'], []);
  assert.deepEqual(agent.log.pageErrors, []);
  await page.close();

  // The expert opens the ticket, sees the pending decision and confirms it.
  const expert = await logIn('widget-expert', 'expertpass123');
  await openTicket(expert.page, ticket);
  const confirm = expert.page.locator('#riskpane-root button[data-intent=confirm-decision]');
  await confirm.waitFor({ timeout: 20000 });
  await expert.page.locator('#riskpane-root textarea[id^=rp-check-note-]').fill('Pattern confirmed with the carrier report.');
  await confirm.click();
  await expert.page.waitForFunction(() => /confirmed by Eva Lindqvist/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent), null, { timeout: 30000 });
  await expert.page.screenshot({ path: path.join(artifacts, 'rt-ticket-decision-confirmed-1400.png'), fullPage: true });

  comments = await decisionComments(ticket);
  assert.equal(comments.length, 2, 'proposal and confirmation, each once');
  assert.equal(comments[1].author, 'widget-expert');
  assert.equal(comments[1].record.id, proposal.record.id);
  assert.equal(comments[1].record.state, 'confirmed');
  assert.equal(comments[1].record.by.id, 'widget-expert');
  assert.equal(comments[1].record.note_of_checker, 'Pattern confirmed with the carrier report.');
  state = await ticketState(ticket);
  assert.deepEqual(state.fields['Decision State'], ['confirmed']);
  assert.deepEqual(state.fields['Risk Flags'], ['fraud'], 'no longer waiting for four eyes');
  assert.equal(state.status, 'resolved', 'the profile maps a confirmed restriction to resolved');
  assert.deepEqual(expert.log.pageErrors, []);
  const foreign = expert.log.requests.filter((url) => !url.startsWith(`${tickets.base}/`) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the widget talks to RT only');
  await expert.page.close();
});

test('contacts from the ticket history (REST) reach the score: a complaint raised three times in a week', async () => {
  const created = await rest('POST', '/ticket', {
    Queue: 'Risk Review', Subject: `Still no refund (history run ${Date.now()})`, Requestor: 'jonas@example.com', ContentType: 'text/plain',
    Content: 'Where is my refund? I returned the jacket two weeks ago.',
    CustomFields: { 'Case Type': 'complaint', Channel: 'email' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const message of ['Any news on my refund?', 'Third time I am writing about this refund.']) {
    const reply = await rest('POST', `/ticket/${created.body.id}/correspond`, { Content: message, ContentType: 'text/plain' });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
  }
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  await openTicket(page, created.body.id);
  // The island has no contact count; the widget reads the history over REST and scores again.
  // (The rule's title also appears earlier, in the "missing on this page" list: wait for its evidence.)
  await page.waitForFunction(() => /Contacts on this case in 7 days: 3/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent), null, { timeout: 20000 });
  const why = await page.evaluate(() => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector('.hits')?.textContent ?? '');
  assert.match(why, /Same issue raised again and again/);
  assert.ok(log.requests.some((url) => url.includes(`/REST/2.0/ticket/${created.body.id}/history`)), 'history comes from REST');
  assert.deepEqual(log.pageErrors, []);
  await page.screenshot({ path: path.join(artifacts, 'rt-ticket-history-1400.png') });
  await page.close();
});

test('ticket text cannot break the ticket page: <!--<script>, </script> and U+2028 in subject and message', async () => {
  const hostile = 'Parcel <!--<script> never arrived </script><img src=x onerror="window.pwned=1"> & \u2028 <b>now</b>';
  const ticket = await newInrTicket(hostile, `${hostile}\nMy parcel never arrived. I need the refund RIGHT NOW.`);
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  assert.match(await openTicket(page, ticket), /^100Critical/);
  const island = await page.evaluate(() => {
    const element = document.querySelector('#riskpane-ticket');
    const after = [...document.querySelectorAll('body *')].filter((node) => element.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING);
    return { subject: JSON.parse(element.textContent).subject, elementsAfter: after.length, pwned: window.pwned ?? null };
  });
  assert.equal(island.subject, hostile, 'the island carries the subject exactly');
  assert.ok(island.elementsAfter > 20, `the rest of RT's page is still there (${island.elementsAfter} elements after the island)`);
  assert.equal(island.pwned, null);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});
