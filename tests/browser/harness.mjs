// Shared by the browser test files: start the reference CRM (`target/debug/reference-crm`, built
// by `cargo xtask ci` / `cargo build -p reference-crm`) on a free port
// with a fresh SQLite file, and launch Debian's Chromium with the flags this machine needs; what
// more than one file reads from the widget's page (its outbox, its wasm memory); and the two ways a
// test waits: for a condition (`waitUntil`), or, where only absence can be checked, over a named
// window (`staysTrue`). No test sleeps for a fixed time. The helpers of the Request Tracker tests
// are in rt-harness.mjs.
//
// The clock: test data is built relative to `now()` (never a fixed calendar date), and
// `cargo xtask ci` runs the date-dependent tests a second time with RISKPANE_CLOCK_SHIFT_DAYS=365,
// which moves every clock involved a year ahead: `now()` here, each page's clock (Playwright's
// page clock, installed on every page and context this browser opens), and the servers (under
// libfaketime: the reference server here, Request Tracker in rt-up.sh). A test or seed that
// depends on the calendar fails in that run.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

/** How far the guard run moves the clocks ahead, in days (0 in the ordinary run). */
export const clockShiftDays = Number(process.env.RISKPANE_CLOCK_SHIFT_DAYS || 0);
if (!Number.isInteger(clockShiftDays) || clockShiftDays < 0) throw new Error('RISKPANE_CLOCK_SHIFT_DAYS must be a whole number of days');
const clockShiftMs = clockShiftDays * 86_400_000;

/** The time the pages and servers see: the wall clock, moved ahead in the guard run. */
export const now = () => Date.now() + clockShiftMs;

/** Environment that runs a server with the clock moved ahead: libfaketime preloaded into the
 * server process itself (the `faketime` command would fork, and stopping it would orphan the server). */
function shiftedEnv() {
  if (!clockShiftDays) return process.env;
  const library = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8' }).split('\n').find((file) => file.endsWith('/libfaketimeMT.so.1'));
  if (!library) throw new Error('the guard run needs Debian\'s faketime (libfaketime)');
  return { ...process.env, LD_PRELOAD: library, FAKETIME: `+${clockShiftDays}d` };
}

/** Starts the reference CRM with extra arguments; resolves to `{ origin, stop }`. */
export async function startServer(name, extraArgs = []) {
  const database = path.join(artifacts, `${name}-${process.pid}.sqlite`);
  const clean = () => { for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true }); };
  clean();
  const server = spawn(path.join(repo, 'target/debug/reference-crm'),
    ['--port', '0', '--site', path.join(repo, 'target/www'), '--db', database, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'], env: shiftedEnv() });
  const origin = await new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`reference-crm exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`reference-crm did not start: ${output}`)), 15000);
  });
  return { origin, stop: () => { server.kill(); clean(); } };
}

/** Debian's Chromium (Playwright never downloads its own), headless, as root. In the guard run
 * every page and context it opens gets a page clock at `now()` (time flows on from there). */
export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new', '--disable-gpu',
    '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  if (!clockShiftDays) return browser;
  const [newPage, newContext] = [browser.newPage.bind(browser), browser.newContext.bind(browser)];
  browser.newPage = async (options) => {
    const page = await newPage(options);
    await page.clock.install({ time: now() });
    return page;
  };
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.clock.install({ time: now() });
    return context;
  };
  return browser;
}

/** Decisions waiting in any user's outbox on this origin. */
export const outboxSize = (page) => page.evaluate(() => Object.keys(localStorage)
  .filter((key) => key.startsWith('riskpane.outbox.v'))
  .reduce((sum, key) => sum + JSON.parse(localStorage.getItem(key) || '[]').length, 0));

/** The size of the widget's wasm memory in bytes (it grows in 64 KiB pages and never shrinks). */
export const wasmMemoryBytes = (page) => page.evaluate(async () => (await import('/riskpane/riskpane.js')).ready()
  .then((exports) => exports.memory.buffer.byteLength));

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` (sync or async) every `interval` ms until it returns something truthy, and
 * resolves to that; after `timeout` ms it fails, naming `what` it waited for. Timeouts are
 * generous: CI runs on two cores, alongside the servers. */
export async function waitUntil(condition, { timeout = 30_000, interval = 100, what = 'a condition' } = {}) {
  const started = Date.now();
  for (;;) {
    const value = await condition();
    if (value) return value;
    const left = started + timeout - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await pause(Math.min(interval, left));
  }
}

/** Watches that `condition` holds for `ms` milliseconds, checking it every `interval` ms; fails as
 * soon as it does not, naming `what` should have stayed so (a string, or a function giving one, for
 * details seen at that moment). This is for absence — no further request, no dialog, nothing
 * re-mounted — which no event announces: a time window is the only way to observe it, so each
 * caller says why its window is long enough. */
export async function staysTrue(condition, ms, what, { interval = 100 } = {}) {
  const started = Date.now();
  for (;;) {
    if (!(await condition())) {
      const description = typeof what === 'function' ? await what() : what;
      assert.fail(`${description}: no longer so after ${Date.now() - started} ms of a ${ms} ms watch`);
    }
    const left = started + ms - Date.now();
    if (left <= 0) return;
    await pause(Math.min(interval, left));
  }
}

/** The serious and critical accessibility problems axe-core finds in the widget on `page` (by
 * rule id; `[]` when there are none). */
export async function axeViolations(page, widget = '[data-riskpane]') {
  await page.addScriptTag({ content: readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8') });
  return page.evaluate(async (widget) => {
    const result = await window.axe.run({ include: [[widget]] }, { resultTypes: ['violations'] });
    return result.violations.filter((violation) => ['serious', 'critical'].includes(violation.impact))
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => `${node.target.join(' ')} ${node.failureSummary}`).join(', ')}`);
  }, widget);
}

/** Ticks every open, enabled checklist item of the widget inside `root` (the widget's host
 * element or an element around it), one at a time as each tick re-renders the list. */
export async function tickOpenChecklist(page, root = '[data-riskpane]') {
  const boxes = page.locator(`${root} input[type=checkbox][data-intent=toggle-checklist]:not(:checked):not([disabled])`);
  while (await boxes.count() > 0) await boxes.first().check();
}
