// The widget inside a real Request Tracker 5 ticket page (Debian's request-tracker5 with SQLite,
// started by pkg-config/crm/request-tracker/rt-up.sh, which `cargo xtask browser-tests` runs):
// log in as the seeded agent, open the seeded tickets, and check what the widget computes from
// what RT shows; then the four-eye flow written into RT (asserted through RT's REST API, as root).
// Screenshots of the RT ticket page with the widget land in artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { artifacts, clockShiftDays, launchBrowser, now, tickOpenChecklist, waitUntil } from './harness.mjs';
import { BLOCK, END, attachmentsContaining, recordIn, rest, signIn, tickets } from './rt-harness.mjs';

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
  await signIn(page, tickets.base, user, password);
  return { page, log };
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
  const items = await attachmentsContaining(id, BLOCK);
  return items.map((item) => ({ author: item.Creator.id, summary: item.Content.split(BLOCK)[0], record: recordIn(item.Content) }));
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
  await tickOpenChecklist(page, '#riskpane-root');
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

/** RT's REST 2.0 from a signed-in page with that user's session cookie: what someone with the
 * browser's devtools can send, bypassing the widget. */
async function asUser(page, method, route, body) {
  return page.evaluate(async ({ method, route, body }) => {
    const response = await fetch(`/REST/2.0${route}`, { method, credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }, { method, route, body });
}

/** A comment body carrying `record` the way the widget writes one. */
const withRecord = (summary, record) => `${summary}\n\n${BLOCK}\n${JSON.stringify(record)}\n${END}\n`;

/** The notes RT's four-eye scrip wrote (comments by RT_System). */
async function rtNotes(id) {
  const items = await attachmentsContaining(id, 'riskpane: Request Tracker');
  return items.filter((item) => item.Creator.id === 'RT_System').map((item) => item.Content);
}

/** A new item-not-received ticket on which the agent proposes restricting the account, in the widget. */
async function agentProposesRestriction(subject) {
  const ticket = await newInrTicket(subject);
  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  const proposal = await proposeRestriction(agent.page, ticket);
  await agent.page.close();
  return { ticket, proposal };
}

/** Proposes "restrict the account" (always four eyes in the care pack) through the widget on an
 * open ticket page; returns the record RT stored. */
async function proposeRestriction(page, ticket) {
  await page.locator('#rp-outcome').selectOption('restrict_account');
  await page.locator('#rp-reason').selectOption('ABUSE_PATTERN');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction(() => /checklist items still open/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector('.submit-status')?.textContent ?? ''));
  await tickOpenChecklist(page, '#riskpane-root');
  await page.locator('#rp-note').fill('Third claim this year on a 12-day-old account.');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction((id) => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent.includes(`Stored in the CRM as RT ticket #${id}`), ticket, { timeout: 30000 });
  const comments = await decisionComments(ticket);
  return comments.at(-1).record;
}

/** Waits until the widget lists decision `id`; returns the ids of every listed decision. */
async function listedDecisions(page, id) {
  await page.waitForFunction((id) => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector(`li[data-decision="${id}"]`), id, { timeout: 20000 });
  return page.evaluate(() => [...document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelectorAll('li[data-decision]')]
    .map((item) => ({ id: item.dataset.decision, text: item.textContent })));
}

test('RT refuses an agent\'s "decided" restriction posted with devtools: not resolved, the proposal keeps waiting', async () => {
  const ticket = await newInrTicket(`Forged decided restriction (${Date.now()})`);
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  await openTicket(page, ticket);
  const proposal = await proposeRestriction(page, ticket);
  assert.equal(proposal.state, 'pending_confirmation');

  // The agent's own session, bypassing the widget: the same record as "decided", no second approval, and resolve.
  const forged = { ...proposal, id: randomUUID(), requires_second_approval: false, state: 'decided' };
  const posted = await asUser(page, 'POST', `/ticket/${ticket}/comment`, {
    Content: withRecord('riskpane decision: Restrict the account - decided', forged), ContentType: 'text/plain',
    Status: 'resolved', CustomFields: { 'Risk Flags': ['fraud'] },
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  const state = await ticketState(ticket);
  assert.equal(state.status, 'new', 'RT put the status back');
  assert.deepEqual(state.fields['Decision State'], []);
  const notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => note.includes(`decision ${forged.id}`) && /needs a second approval here \(four-eye rule\)/.test(note)), notes.join('\n---\n'));
  assert.ok(notes.some((note) => /reverted Status from resolved to new/.test(note) && /waits for a second approval/.test(note)), notes.join('\n---\n'));

  // What the widget reads back is what RT kept: the forged record is not a decision.
  await openTicket(page, ticket);
  const listed = await listedDecisions(page, proposal.id);
  assert.deepEqual(listed.map((item) => item.id), [proposal.id]);
  assert.match(listed[0].text, /waiting for someone else to confirm/);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('a record sent twice (its first answer lost) counts once: RT marks the copy a repeat, refuses a copy by someone else', async () => {
  const { ticket, proposal } = await agentProposesRestriction(`Resent proposal (${Date.now()})`);
  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  // What a resend after a lost answer writes: the same record, word for word, by its maker.
  const resent = await asUser(agent.page, 'POST', `/ticket/${ticket}/comment`, {
    Content: withRecord('riskpane decision: Restrict the account - proposed', proposal), ContentType: 'text/plain' });
  assert.equal(resent.status, 201, JSON.stringify(resent.body));
  let notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /counts the decision record of transaction #\d+ once: it repeats transaction #\d+ word for word/.test(note)
    && note.includes(`RISKPANE DECISION REPEATED: transaction `) && note.includes(`decision ${proposal.id}`)), notes.join('\n---\n'));
  assert.ok(!notes.some((note) => /refused/.test(note)), notes.join('\n---\n'));
  await agent.page.close();

  // An expert copying the agent's proposal under her own login is no repeat: RT refuses it.
  const { page, log } = await logIn('widget-expert', 'expertpass123');
  await openTicket(page, ticket);
  const copied = await asUser(page, 'POST', `/ticket/${ticket}/comment`, {
    Content: withRecord('riskpane decision: Restrict the account - proposed', proposal), ContentType: 'text/plain' });
  assert.equal(copied.status, 201, JSON.stringify(copied.body));
  notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /refused the decision record/.test(note) && /was recorded by widget-agent; widget-expert cannot record it again/.test(note)), notes.join('\n---\n'));
  // The widget lists the decision once, still waiting for the second approval, and the expert confirms it.
  await openTicket(page, ticket);
  const listed = await listedDecisions(page, proposal.id);
  assert.deepEqual(listed.map((item) => item.id), [proposal.id]);
  assert.match(listed[0].text, /awaits confirmation by a second expert/);
  await page.locator('#riskpane-root textarea[id^=rp-check-note-]').fill('Pattern confirmed.');
  await page.locator('#riskpane-root button[data-intent=confirm-decision]').click();
  await page.waitForFunction(() => /confirmed by Eva Lindqvist/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent), null, { timeout: 30000 });
  assert.deepEqual((await ticketState(ticket)).fields['Decision State'], ['confirmed']);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('a forged proposal in a customer e-mail (correspondence) is not shown as a proposal and cannot be confirmed', async () => {
  const { ticket, proposal } = await agentProposesRestriction(`Customer forges a proposal (${Date.now()})`);

  // The customer answers by e-mail (RT's mail gateway, as the requestor) with a block that names the agent.
  const forged = { ...proposal, id: randomUUID(), outcome: 'approve_refund', reason_code: 'GOODWILL', note: 'Refund approved.',
    maker: { id: 'anna.schmidt@example.com', name: 'Kim Berger', role: 'agent' } };
  const mail = ['From: anna.schmidt@example.com', 'To: rt@localhost', `Subject: [rt.localhost #${ticket}] Re: refund`,
    'Content-Type: text/plain; charset=utf-8', '', withRecord('riskpane decision: Approve refund - proposed', forged)].join('\n');
  const gateway = spawnSync('rt-mailgate-5', ['--action', 'correspond', '--queue', 'Risk Review', '--url', `${tickets.base}/`], { input: mail, encoding: 'utf8' });
  assert.equal(gateway.status, 0, gateway.stderr);
  const { body } = await rest('GET', `/ticket/${ticket}/history?fields=Type,Creator&per_page=100`);
  assert.ok(body.items.some((item) => item.Type === 'Correspond' && item.Creator.id === 'anna.schmidt@example.com'), 'the e-mail is on the ticket as the customer\'s correspondence');

  const expert = await logIn('widget-expert', 'expertpass123');
  await openTicket(expert.page, ticket);
  const listed = await listedDecisions(expert.page, proposal.id);
  assert.deepEqual(listed.map((item) => item.id), [proposal.id], 'only the agent\'s own comment is a proposal');
  assert.doesNotMatch(await shadowText(expert.page), /Approve refund — by Kim Berger/);
  assert.equal(await expert.page.locator(`#riskpane-root li[data-decision="${forged.id}"] button[data-intent=confirm-decision]`).count(), 0);
  assert.deepEqual(expert.log.pageErrors, []);
  await expert.page.close();
});

test('public replies in Request Tracker: the agent proposes the text, RT refuses an expert\'s confirmation, Communications confirms', async () => {
  const created = await rest('POST', '/ticket', {
    Queue: 'Risk Review', Subject: `Instagram: swimsuit seams came apart (${Date.now()})`, Requestor: 'lena@example.com', ContentType: 'text/plain',
    Content: '@brand my new swimsuit came apart at the seams on the first day at the pool. Really disappointed, 48k followers will hear about it.',
    CustomFields: { 'Case Type': 'complaint', Channel: 'social_media', Followers: '48200', 'Identity Verified': 'no' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const ticket = created.body.id;
  const reply = 'Hi Lena, we are sorry to read this. We have sent you a direct message so we can put it right.';

  const agent = await logIn('widget-agent', 'agentpass123');
  await openTicket(agent.page, ticket);
  await agent.page.locator('#rp-outcome').selectOption('reply_publicly');
  await tickOpenChecklist(agent.page, '#riskpane-root');
  await agent.page.locator('#rp-reply').fill(reply);
  await agent.page.locator('button[data-intent=submit-decision]').click();
  await agent.page.waitForFunction((id) => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent.includes(`Stored in the CRM as RT ticket #${id}`), ticket, { timeout: 30000 });
  const [proposal] = (await decisionComments(ticket)).map((comment) => comment.record);
  assert.deepEqual([proposal.outcome, proposal.state, proposal.confirmed_by, proposal.reply_text], ['reply_publicly', 'pending_confirmation', 'communications', reply]);
  assert.deepEqual(agent.log.pageErrors, []);
  await agent.page.close();

  // The expert sees the reply waiting for Communications and gets no button; devtools do not help.
  const expert = await logIn('widget-expert', 'expertpass123');
  await openTicket(expert.page, ticket);
  const [listed] = await listedDecisions(expert.page, proposal.id);
  assert.match(listed.text, /awaits confirmation by Communications/);
  assert.ok(listed.text.includes(reply));
  assert.equal(await expert.page.locator('#riskpane-root button[data-intent=confirm-decision]').count(), 0);
  const byExpert = { ...proposal, state: 'confirmed', by: { id: 'widget-expert', name: 'Eva Lindqvist', role: 'expert' }, at: new Date(now()).toISOString(), note_of_checker: 'Looks fine.' };
  const posted = await asUser(expert.page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision checked', byExpert), ContentType: 'text/plain' });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  await asUser(expert.page, 'PUT', `/ticket/${ticket}`, { CustomFields: { 'Decision State': 'confirmed' } });
  assert.deepEqual((await ticketState(ticket)).fields['Decision State'], [], 'RT put the decision state back');
  const notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /refused the decision record/.test(note) && /only Communications can confirm or reject a public reply/.test(note)), notes.join('\n---\n'));
  await expert.page.close();

  // Communications reads the exact text and confirms it in the widget; RT keeps it.
  const comms = await logIn('widget-comms', 'commspass123');
  await openTicket(comms.page, ticket);
  assert.equal(await comms.page.locator('#riskpane-root #rp-outcome').count(), 0, 'Communications proposes nothing');
  const confirm = comms.page.locator('#riskpane-root button[data-intent=confirm-decision]');
  await confirm.waitFor({ timeout: 20000 });
  assert.equal(await comms.page.locator('#riskpane-root .reply-text q').textContent(), reply);
  await comms.page.locator('#riskpane-root textarea[id^=rp-check-note-]').fill('Approved wording.');
  await confirm.click();
  await comms.page.waitForFunction(() => /confirmed by Chris Ahn/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent), null, { timeout: 30000 });
  await comms.page.locator('#riskpane-root [data-riskpane] >> css=.decision').screenshot({ path: path.join(artifacts, 'rt-public-reply-confirmed.png') });
  const last = (await decisionComments(ticket)).at(-1);
  assert.deepEqual([last.author, last.record.state, last.record.by.id, last.record.by.role], ['widget-comms', 'confirmed', 'widget-comms', 'communications']);
  assert.deepEqual((await ticketState(ticket)).fields['Decision State'], ['confirmed']);
  assert.deepEqual(comms.log.pageErrors, []);
  await comms.page.close();
});

test('an internal fraud report in Request Tracker is scored by its own rules from the report fields', async () => {
  const created = await rest('POST', '/ticket', {
    Queue: 'Risk Review', Subject: `Payments: refunds to one IBAN from several accounts (${Date.now()})`, Requestor: 'payments-team@example.com', ContentType: 'text/plain',
    Content: 'Payments desk: six refunds in ten days went to the same IBAN from six customer accounts. Export attached.',
    CustomFields: { 'Case Type': 'internal_report', Channel: 'web_form', 'Report Team': 'payments', 'Report Kind': 'refund_to_other_account',
      'Involves Employee': 'no', 'Related Cases': '6', 'Report Amount (EUR)': '2380', 'Evidence Attached': 'yes', 'Report Status': 'open' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { page, log } = await logIn('widget-expert', 'expertpass123');
  const text = await openTicket(page, created.body.id);
  assert.match(text, /Payments team reports refunds to another account or a payment pattern/);
  assert.match(text, /The report links several cases/);
  assert.match(text, /Much money at stake/);
  assert.doesNotMatch(text, /Warehouse found an empty box/);
  // 30 + 20 + 15 points.
  assert.match(text, /^65High/);
  await page.locator('#riskpane-root').screenshot({ path: path.join(artifacts, 'rt-internal-report.png') });
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('an expert files a pattern report: a Fraud Advisory ticket that refers to the case, with the draft rule and no case text', async () => {
  const ticket = await newInrTicket(`Pattern source (${Date.now()})`);
  const { page, log } = await logIn('widget-expert', 'expertpass123');
  await openTicket(page, ticket);
  await page.locator('#riskpane-root [data-riskpane] >> css=details.pattern summary').click();
  const marks = page.locator('#riskpane-root input[data-intent=mark-pattern]');
  await marks.nth(0).check();
  await marks.nth(1).check();
  const draft = (await page.locator('#riskpane-root [data-riskpane] >> css=.pattern-draft code').textContent()).trim();
  await page.locator('#riskpane-root #rp-pattern-note').fill('Twelve-day-old accounts, claim a day after a proven delivery.');
  await page.locator('#riskpane-root button[data-intent=submit-pattern]').click();
  await page.waitForFunction(() => /Pattern report stored as RT ticket #\d+/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent), null, { timeout: 30000 });
  const filed = /Pattern report stored as RT ticket #(\d+)/.exec(await shadowText(page))[1];
  const { body } = await rest('GET', `/ticket/${filed}`);
  assert.equal((await rest('GET', `/queue/${body.Queue.id}`)).body.Name, 'Fraud Advisory');
  assert.ok(JSON.stringify(body._hyperlinks).includes(`/ticket/${ticket}`), JSON.stringify(body._hyperlinks));
  const [content] = (await attachmentsContaining(filed, '-----BEGIN RISKPANE PATTERN REPORT-----')).map((item) => item.Content);
  const report = JSON.parse(content.split('-----BEGIN RISKPANE PATTERN REPORT-----')[1].split('-----END RISKPANE PATTERN REPORT-----')[0]);
  assert.deepEqual([report.case_id, report.author.id, report.draft_rule], [String(ticket), 'widget-expert', draft]);
  for (const text of ['anna.schmidt', 'RIGHT NOW']) assert.ok(!content.includes(text), `${text} in ${content}`);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('a pattern report whose answer is lost is filed once: the resend finds the ticket RT already made', async () => {
  const ticket = await newInrTicket(`Pattern lost answer (${Date.now()})`);
  const { page, log } = await logIn('widget-expert', 'expertpass123');
  await openTicket(page, ticket);
  await page.locator('#riskpane-root [data-riskpane] >> css=details.pattern summary').click();
  await page.locator('#riskpane-root input[data-intent=mark-pattern]').nth(0).check();
  await page.locator('#riskpane-root #rp-pattern-note').fill('Same pattern, sent over a bad line.');
  // RT files the ticket, but its answer never reaches the widget (the connection drops).
  let filedWhileLost = 0;
  await page.route('**/REST/2.0/ticket', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const answer = await route.fetch();
    if (answer.status() === 201) filedWhileLost += 1;
    return route.abort('connectionreset');
  });
  const status = () => page.locator('#riskpane-root [data-riskpane] >> css=details.pattern .submit-status');
  await page.locator('#riskpane-root button[data-intent=submit-pattern]').click();
  await waitUntil(async () => /Pattern report not sent/.test(await status().textContent().catch(() => '')), { what: 'the lost answer shown as not sent' });
  assert.equal(filedWhileLost, 1);
  await page.unroute('**/REST/2.0/ticket');
  // The expert sends again: the same report, which RT already has.
  await page.locator('#riskpane-root button[data-intent=submit-pattern]').click();
  await waitUntil(async () => /Pattern report stored as RT ticket #\d+/.test(await status().textContent().catch(() => '')), { what: 'the resend stored' });
  const filed = /RT ticket #(\d+)/.exec(await status().textContent())[1];
  const query = encodeURIComponent(`Queue = 'Fraud Advisory' AND RefersTo = ${ticket}`);
  const { body } = await rest('GET', `/tickets?query=${query}`);
  assert.deepEqual(body.items.map((item) => String(item.id)), [filed], JSON.stringify(body.items));
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('a quality review in Request Tracker: the expert reviews the agent\'s handling in the widget; RT refuses forged reviews', async () => {
  const { ticket, proposal } = await agentProposesRestriction(`QA review source (${Date.now()})`);
  const expert = await logIn('widget-expert', 'expertpass123');
  const page = expert.page;
  await openTicket(page, ticket);
  await listedDecisions(page, proposal.id);
  // The QA part of the form names the makers of the ticket's decisions, as RT's comments give them.
  await page.locator('#rp-outcome').selectOption('qa_coaching');
  await page.locator('#riskpane-root fieldset.qa').waitFor();
  assert.deepEqual(await page.locator('#riskpane-root #rp-qa-agent option').allTextContents(), ['Choose…', 'Kim Berger']);
  await page.locator('#riskpane-root #rp-qa-agent').selectOption('widget-agent');
  await page.locator('#riskpane-root #rp-qa-severity').selectOption('minor');
  const stepBox = page.locator('#riskpane-root input[data-intent=toggle-qa-step]').first();
  const step = await stepBox.getAttribute('data-intent-value');
  await stepBox.check();
  const riskBox = page.locator('#riskpane-root input[data-intent=toggle-qa-risk]').first();
  const risk = await riskBox.getAttribute('data-intent-value');
  await riskBox.check();
  await tickOpenChecklist(page, '#riskpane-root');
  await page.locator('#riskpane-root #rp-note').fill('Right call; check the carrier photo before proposing a restriction.');
  await page.locator('#riskpane-root button[data-intent=submit-decision]').click();
  await page.waitForFunction((id) => {
    const text = document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent;
    return text.includes(`Stored in the CRM as RT ticket #${id}`) && /Quality review: coaching/.test(text);
  }, ticket, { timeout: 30000 });

  // In RT: the expert's comment carries the review with its findings, and RT accepted it.
  const review = (await decisionComments(ticket)).at(-1);
  assert.equal(review.author, 'widget-expert');
  assert.deepEqual([review.record.outcome, review.record.state, review.record.maker.id], ['qa_coaching', 'decided', 'widget-expert']);
  assert.deepEqual([review.record.qa.agent, review.record.qa.severity, review.record.qa.missed_steps, review.record.qa.ignored_risks],
    ['widget-agent', 'minor', [step], [risk]]);
  assert.ok(!(await rtNotes(ticket)).some((note) => /refused/.test(note)), 'RT accepted the review');

  // Devtools: a review of someone who made no decision on the ticket, and one posted by the agent,
  // go into RT as comments; RT's four-eye scrip refuses both and the widget does not list them.
  const forged = (change) => { const record = structuredClone(review.record); delete record.reference; record.id = randomUUID(); change(record); return record; };
  const stranger = forged((record) => { record.qa.agent = 'widget-comms'; });
  assert.equal((await asUser(page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision', stranger), ContentType: 'text/plain' })).status, 201);
  const agent = await logIn('widget-agent', 'agentpass123');
  const byAgent = forged((record) => { record.qa.agent = 'widget-expert'; record.maker = { id: 'widget-agent', name: 'Kim Berger', role: 'agent' }; });
  assert.equal((await asUser(agent.page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision', byAgent), ContentType: 'text/plain' })).status, 201);
  await agent.page.close();
  const notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /refused the decision record/.test(note) && /widget-comms, who made no decision on this ticket/.test(note)), notes.join('\n---\n'));
  assert.ok(notes.some((note) => /refused the decision record/.test(note) && /only experts review earlier handling/.test(note)), notes.join('\n---\n'));
  await openTicket(page, ticket);
  const listed = (await listedDecisions(page, review.record.id)).map((item) => item.id);
  assert.ok(!listed.includes(stranger.id) && !listed.includes(byAgent.id), JSON.stringify(listed));
  assert.deepEqual(expert.log.pageErrors, []);

  // Devtools: the expert's second review names a provider of her choosing. RT keeps the review (an
  // expert, of an agent who decided here), but the provider is not the browser's to say.
  const ownProvider = forged((record) => { record.qa.provider = 'Forged Ltd'; record.qa.severity = 'major'; });
  assert.equal((await asUser(page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision', ownProvider), ContentType: 'text/plain' })).status, 201);
  await page.close();

  // The experts' export from RT (run on RT's host as RT's user) is what `riskpane qa` reads: the
  // reviews RT kept, the provider from RT's directory (the agent's "Service Provider"), RT's time.
  const exported = execFileSync('runuser', ['-u', 'www-data', '--', 'perl', path.join(tickets.riskpaneDir, 'rt-qa-export'),
    '--query', `id = ${ticket}`], { encoding: 'utf8' });
  const reviews = exported.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(reviews.map((r) => [r.format, r.id, r.case_id, r.reviewer.id, r.handled_by.agent, r.handled_by.provider, r.verdict, r.severity]),
    [['riskpane.qa_review', review.record.id, String(ticket), 'widget-expert', 'widget-agent', 'Atlas Care', 'qa_coaching', 'minor'],
     ['riskpane.qa_review', ownProvider.id, String(ticket), 'widget-expert', 'widget-agent', 'Atlas Care', 'qa_coaching', 'major']]);
  assert.ok(reviews.every((r) => Math.abs(Date.parse(r.reviewed_at) - now()) < 15 * 60 * 1000), `RT's time: ${exported}`);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rt-qa-')), 'reviews.ndjson');
  writeFileSync(file, exported);
  const day = (offset) => new Date(now() + offset * 86400000).toISOString().slice(0, 10);
  const summary = JSON.parse(execFileSync(path.join(tickets.riskpaneDir, 'riskpane'),
    ['qa', '--reviews', file, '--from', day(-1), '--to', day(1), '--format', 'json'], { encoding: 'utf8' }));
  assert.deepEqual([summary.reviews, summary.bad_lines, Object.keys(summary.providers)], [2, 0, ['Atlas Care']]);
  assert.deepEqual([summary.providers['Atlas Care'].with_findings, summary.providers['Atlas Care'].severities], [2, { major: 1, minor: 1 }]);
  assert.deepEqual(summary.missed_steps.map((finding) => [finding.id, finding.count, finding.by_provider]), [[step, 2, { 'Atlas Care': 2 }]]);
  assert.deepEqual(summary.ignored_risks.map((finding) => [finding.id, finding.count]), [[risk, 2]]);
});

test('RT refuses an expert confirming her own proposal through the REST API', async () => {
  const ticket = await newInrTicket(`Expert confirms herself (${Date.now()})`);
  const { page, log } = await logIn('widget-expert', 'expertpass123');
  await openTicket(page, ticket);
  const proposal = await proposeRestriction(page, ticket);
  assert.equal(proposal.maker.id, 'widget-expert');
  assert.deepEqual((await ticketState(ticket)).fields['Decision State'], ['pending_confirmation']);

  const self = { ...proposal, state: 'confirmed', by: proposal.maker, at: new Date(now()).toISOString(), note_of_checker: 'Fine by me.' };
  const posted = await asUser(page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision checked', self), ContentType: 'text/plain' });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  const updated = await asUser(page, 'PUT', `/ticket/${ticket}`, { CustomFields: { 'Decision State': 'confirmed', 'Risk Flags': ['fraud'] }, Status: 'resolved' });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  const state = await ticketState(ticket);
  assert.deepEqual(state.fields['Decision State'], ['pending_confirmation'], 'RT put the decision state back');
  assert.equal(state.status, 'new');
  const notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /refused the decision record/.test(note) && /the maker of a decision cannot confirm or reject it/.test(note)), notes.join('\n---\n'));
  assert.ok(notes.some((note) => /reverted Decision State from confirmed to pending_confirmation/.test(note)), notes.join('\n---\n'));
  assert.ok(notes.some((note) => /reverted Status from resolved to new/.test(note)), notes.join('\n---\n'));
  await openTicket(page, ticket);
  const [listed] = await listedDecisions(page, proposal.id);
  assert.match(listed.text, /waiting for someone else to confirm/);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('RT refuses a confirmation that rewrites the proposal (its note), then takes the honest one', async () => {
  const { ticket, proposal } = await agentProposesRestriction(`Confirmation rewrites the proposal (${Date.now()})`);

  const { page, log } = await logIn('widget-expert', 'expertpass123');
  await openTicket(page, ticket);
  const checker = { id: 'widget-expert', name: 'Eva Lindqvist', role: 'expert' };
  const rewritten = { ...proposal, note: 'Refund approved after all.', state: 'confirmed', by: checker, at: new Date(now()).toISOString(), note_of_checker: 'ok' };
  const posted = await asUser(page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision checked', rewritten), ContentType: 'text/plain' });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  await asUser(page, 'PUT', `/ticket/${ticket}`, { CustomFields: { 'Decision State': 'confirmed' }, Status: 'resolved' });
  let state = await ticketState(ticket);
  assert.deepEqual(state.fields['Decision State'], [], 'RT removed the decision state again');
  assert.equal(state.status, 'new');
  const notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /must leave the proposal as it was/.test(note)), notes.join('\n---\n'));

  // The widget shows the proposal as the agent made it, still to be checked; an honest confirmation goes through.
  await openTicket(page, ticket);
  const [listed] = await listedDecisions(page, proposal.id);
  assert.match(listed.text, /awaits confirmation by a second expert/);
  await page.locator('#riskpane-root textarea[id^=rp-check-note-]').fill('Pattern confirmed.');
  await page.locator('#riskpane-root button[data-intent=confirm-decision]').click();
  await page.waitForFunction(() => /confirmed by Eva Lindqvist/.test(document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.textContent), null, { timeout: 30000 });
  state = await ticketState(ticket);
  assert.deepEqual(state.fields['Decision State'], ['confirmed']);
  assert.equal(state.status, 'resolved');
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('RT refuses a band override by an agent (custom field and decision record)', async () => {
  const ticket = await newInrTicket(`Agent overrides the band (${Date.now()})`);
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  await openTicket(page, ticket);
  const lowered = await asUser(page, 'PUT', `/ticket/${ticket}`, { CustomFields: { 'Risk Band': 'low' } });
  assert.equal(lowered.status, 200, JSON.stringify(lowered.body));
  assert.deepEqual((await ticketState(ticket)).fields['Risk Band'], [], 'RT removed the band the agent set');
  // The band the ticket's data gives stands.
  await asUser(page, 'PUT', `/ticket/${ticket}`, { CustomFields: { 'Risk Band': 'critical' } });
  assert.deepEqual((await ticketState(ticket)).fields['Risk Band'], ['critical']);

  const proposal = await proposeRestriction(page, ticket);
  const overridden = { ...proposal, id: randomUUID(), band_override: { from: 'critical', to: 'low', reason_code: 'ABUSE_PATTERN', note: 'Looks fine to me.' } };
  await asUser(page, 'POST', `/ticket/${ticket}/comment`, { Content: withRecord('riskpane decision', overridden), ContentType: 'text/plain', CustomFields: { 'Risk Band': 'low' } });
  assert.deepEqual((await ticketState(ticket)).fields['Risk Band'], ['critical']);
  const notes = await rtNotes(ticket);
  assert.ok(notes.some((note) => /only experts may override the band/.test(note)), notes.join('\n---\n'));
  assert.ok(notes.some((note) => /reverted Risk Band from low to critical/.test(note) && /only experts override the band/.test(note)), notes.join('\n---\n'));
  assert.ok(notes.some((note) => /reverted Risk Band from low to \(empty\)/.test(note)), notes.join('\n---\n'));
  await openTicket(page, ticket);
  assert.deepEqual((await listedDecisions(page, proposal.id)).map((item) => item.id), [proposal.id]);
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});

test('a proposal scored on data the ticket no longer has: RT refuses it, the widget shows RT\'s reason and sets no fields', async () => {
  const ticket = await newInrTicket(`Ticket changes under the agent (${Date.now()})`);
  const { page, log } = await logIn('widget-agent', 'agentpass123');
  assert.match(await openTicket(page, ticket), /^100Critical/);
  // While the agent works on the page, a colleague corrects the case: a verified, long-standing customer without claims.
  const corrected = await rest('PUT', `/ticket/${ticket}`, { CustomFields: { 'Account Age (days)': '2400', 'Claims (12 months)': '0',
    'Identity Verified': 'yes', 'Refund To New Instrument': 'no', 'Proof of Delivery': 'no', 'Order Total (EUR)': '59.90' } });
  assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
  await page.locator('#rp-outcome').selectOption('restrict_account');
  await page.locator('#rp-reason').selectOption('ABUSE_PATTERN');
  await tickOpenChecklist(page, '#riskpane-root');
  await page.locator('button[data-intent=submit-decision]').click();
  await page.waitForFunction(() => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector('.refused-item'), null, { timeout: 30000 });
  const refused = await page.evaluate(() => document.querySelector('#riskpane-root [data-riskpane]').shadowRoot.querySelector('.refused-item').textContent);
  assert.match(refused, /Request Tracker refused the decision: the record says score 100 band critical; the ticket's data gives score \d+ band/);
  const state = await ticketState(ticket);
  assert.deepEqual(state.fields['Risk Score'], [], 'no fields for a record RT refused');
  assert.deepEqual(state.fields['Risk Flags'], []);
  assert.equal(state.status, 'new');
  assert.equal((await rtNotes(ticket)).length, 1, 'the record is refused once, and not resent');
  assert.deepEqual(log.pageErrors, []);
  await page.close();
});
