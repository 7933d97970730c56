// The rule authors' HTML backtest report as a reader sees it: generate a seeded synthetic history
// (`xtask synth`), backtest the care pack on it with the `riskpane` command line, open the report
// in Chromium from disk and check it renders its plots and tables without any script; the
// screenshot lands in artifacts/backtest-report.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { artifacts, launchBrowser, repo } from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the backtest report renders its plots and tables from a file, without JavaScript', async () => {
  const cases = path.join(artifacts, 'synth-20000.ndjson');
  const report = path.join(artifacts, 'backtest-report.html');
  execFileSync(path.join(repo, 'target/debug/xtask'), ['synth', '--cases', '20000', '--seed', '7', '--out', cases], { stdio: 'inherit' });
  const summary = execFileSync(path.join(repo, 'target/debug/riskpane'), ['backtest', '--pack', path.join(repo, 'pkg-config/rules/care.toml'),
    '--cases', cases, '--label', 'label', '--out', report], { encoding: 'utf8' });
  assert.match(summary, /Backtest of care .* on 20000 cases/);

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`file://${report}`);
  assert.equal(await page.locator('svg').count(), 3, 'histogram, precision-recall curve, rule bars');
  assert.equal(await page.locator('script').count(), 0);
  const text = await page.locator('body').innerText();
  assert.match(text, /20000 cases/);
  assert.match(text, /Flagging at each band threshold/);
  assert.match(text, /INR-001/);
  const histogram = await page.locator('svg').first().boundingBox();
  assert.ok(histogram.width > 600 && histogram.height > 250, JSON.stringify(histogram));
  assert.ok(await page.locator('svg rect').count() > 50, 'bars are drawn');
  assert.deepEqual(requests.filter((url) => !url.startsWith('file://')), [], 'the report loads nothing');
  await page.screenshot({ path: path.join(artifacts, 'backtest-report.png'), fullPage: true });
  await context.close();
});
