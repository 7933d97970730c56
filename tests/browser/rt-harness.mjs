// Shared by the Request Tracker test files (rt.test.mjs, rt-faults.test.mjs): the RT instance that
// pkg-config/crm/request-tracker/rt-up.sh started (its tickets.json), RT's REST 2.0 as root,
// signing in on RT's login page, and the decision records the widget writes into ticket comments.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What rt-up.sh wrote: RT's base URL, the seeded tickets' ids, the clock shift it ran with. */
export const tickets = JSON.parse(readFileSync(path.join(process.env.RT_STATE || '/var/lib/request-tracker5/riskpane', 'tickets.json'), 'utf8'));

const ROOT = 'Basic ' + Buffer.from('root:rootpass123').toString('base64');

/** The lines around a decision record in a comment, as the widget writes it. */
export const BLOCK = '-----BEGIN RISKPANE DECISION-----';
export const END = '-----END RISKPANE DECISION-----';

/** RT's REST 2.0 as root (test setup and assertions only; the widget uses the session cookie). */
export async function rest(method, route, body) {
  const response = await fetch(`${tickets.base}/REST/2.0${route}`, {
    method, headers: { Authorization: ROOT, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Signs `page` in on RT's login page at `origin` (RT itself, or a proxy in front of it). */
export async function signIn(page, origin, user, password) {
  await page.goto(`${origin}/`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=pass]', password);
  await Promise.all([page.waitForNavigation(), page.press('input[name=pass]', 'Enter')]);
}

/** The ticket's attachments (message and comment bodies) that contain `text`, oldest first, with
 * the fields asked for. */
export async function attachmentsContaining(ticket, text, fields = 'Content,Creator') {
  const { body } = await rest('POST', `/ticket/${ticket}/attachments?fields=${fields}&per_page=100&orderby=id&order=ASC`,
    [{ field: 'Content', operator: 'LIKE', value: text }]);
  return body.items;
}

/** The decision record in a comment's text. */
export const recordIn = (content) => JSON.parse(content.split(BLOCK)[1].split(END)[0]);
