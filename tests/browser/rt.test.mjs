// The widget inside a real Request Tracker 5 ticket page (Debian's request-tracker5 with SQLite,
// started by pkg-config/crm/request-tracker/rt-up.sh, which `cargo xtask browser-tests` runs):
// log in as the seeded agent, open the seeded tickets, and check what the widget computes from
// what RT shows. Screenshots of the RT ticket page with the widget land in artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { artifacts, launchBrowser } from './harness.mjs';

const tickets = JSON.parse(readFileSync(path.join(process.env.RT_STATE || '/var/lib/request-tracker5/riskpane', 'tickets.json'), 'utf8'));
let browser;

before(async () => {
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
