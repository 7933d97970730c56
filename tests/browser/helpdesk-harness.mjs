// Shared by the django-helpdesk test files (helpdesk.test.mjs, helpdesk-faults.test.mjs): the
// helpdesk that pkg-config/crm/django-helpdesk/helpdesk-up.sh started (its tickets.json), its
// REST API as the admin (basic auth; test setup and assertions only), signing in on its login
// page, the same API from a signed-in page with the session cookie and CSRF token (what someone
// with devtools can send), and the decision records the widget writes into follow-ups.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { now } from './harness.mjs';

/** What helpdesk-up.sh wrote: base URL, queue and user ids, the seeded tickets, the clock shift. */
export const helpdesk = JSON.parse(readFileSync(path.join(process.env.HELPDESK_STATE || '/tmp/riskpane-helpdesk', 'tickets.json'), 'utf8'));

const ADMIN = 'Basic ' + Buffer.from('admin:adminpass123').toString('base64');

/** The lines around a decision record in a follow-up, as the widget writes it. */
export const BLOCK = '-----BEGIN RISKPANE DECISION-----';
export const END = '-----END RISKPANE DECISION-----';

/** The decision record in a follow-up's text. */
export const recordIn = (content) => JSON.parse(content.split(BLOCK)[1].split(END)[0]);

/** A follow-up text carrying `record` the way the widget writes one. */
export const withRecord = (summary, record) => `${summary}\n\n${BLOCK}\n${JSON.stringify(record)}\n${END}\n`;

/** django-helpdesk's REST API as the admin. */
export async function api(method, route, body) {
  const response = await fetch(`${helpdesk.base}/helpdesk/api${route}`, {
    method, headers: { Authorization: ADMIN, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Signs `page` in on the helpdesk's login page at `origin` (the helpdesk, or a proxy in front of it). */
export async function signIn(page, origin, user, password) {
  await page.goto(`${origin}/helpdesk/login/`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.press('input[name=password]', 'Enter')]);
  assert.doesNotMatch(page.url(), /\/login\//, `${user} could not sign in`);
}

/** The REST API from a signed-in page with that user's session cookie and, unless `csrf` is
 * false, Django's CSRF token from the csrftoken cookie: what someone with devtools can send. */
export async function asUser(page, method, route, body, { csrf = true } = {}) {
  return page.evaluate(async ({ method, route, body, csrf }) => {
    const token = document.cookie.split('; ').find((cookie) => cookie.startsWith('csrftoken='))?.slice('csrftoken='.length);
    const headers = { 'Content-Type': 'application/json' };
    if (csrf) headers['X-CSRFToken'] = token;
    const response = await fetch(`/helpdesk/api${route}`, { method, credentials: 'same-origin', cache: 'no-store', headers,
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch { /* an HTML error page */ }
    return { status: response.status, body: parsed };
  }, { method, route, body, csrf });
}

/** The helpdesk's datetime custom-field format (UTC, minutes) for `hours` before now. */
export const hoursAgo = (hours) => new Date(now() - hours * 3_600_000).toISOString().slice(0, 16);

/** A new ticket in the risk queue, created through the API as the admin; returns its id. */
export async function newTicket(title, description, fields) {
  const custom = Object.fromEntries(Object.entries(fields).map(([name, value]) => [`custom_${name}`, value]));
  const created = await api('POST', '/tickets/', { queue: helpdesk.queue, title, description, submitter_email: 'anna.schmidt@example.com', priority: 3, ...custom });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

/** The ticket as the API returns it, and its follow-ups that carry a decision record (in order,
 * with author, public flag and the record). */
export async function ticketState(id) {
  const { status, body } = await api('GET', `/tickets/${id}/`);
  assert.equal(status, 200, JSON.stringify(body));
  const records = body.followup_set.filter((followup) => followup.comment?.includes(BLOCK))
    .map((followup) => ({ id: followup.id, user: followup.user, public: followup.public, summary: followup.comment.split(BLOCK)[0], record: recordIn(followup.comment) }));
  return { ticket: body, records };
}
