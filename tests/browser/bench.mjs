// Browser timings for `cargo xtask bench` (not a test: timings are measured, never asserted).
// Debian's Chromium over the DevTools protocol, the demo CRM page on the reference server, the
// release build of the widget. Per CPU setting (desktop, 4x throttling): >= 10 cold page loads
// measuring script start (the `riskpane:start` mark of riskpane.js) → first score painted (the
// first `riskpane:scored` event, then a frame) and the longest main-thread task in that window
// (from a DevTools trace); then 1,000 re-scores after a case change (the demo page shows another
// case, `refresh()`, until the new score is in the widget's DOM), and wasm memory and JS heap after the first score and after the 1,000 re-scores.
// Prints one JSON object.
import { launchBrowser, startServer, wasmMemoryBytes } from './harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 21);
const RESCORES = 1000;

const median = (values) => { const sorted = [...values].sort((a, b) => a - b); return sorted[Math.floor(sorted.length / 2)]; };
const stats = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length });

async function firstScore(browser, origin, rate) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await page.addInitScript(() => {
    window.__bench = {};
    document.addEventListener('riskpane:scored', () => {
      if (window.__bench.scored) return;
      window.__bench.scored = performance.now();
      requestAnimationFrame(() => setTimeout(() => {
        window.__bench.painted = performance.now();
        performance.mark('bench:painted');
      }, 0));
    }, true);
  });
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink.user_timing'] });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.__bench.painted, null, { timeout: 60000 });
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
  const start = await page.evaluate(() => performance.getEntriesByName('riskpane:start')[0]?.startTime);
  const painted = await page.evaluate(() => window.__bench.painted);
  // The longest main-thread task between the two marks, from the trace.
  const events = trace.traceEvents || trace;
  const mark = (name) => events.find((event) => event.name === name && (event.cat || '').includes('blink.user_timing'));
  const [from, to] = [mark('riskpane:start'), mark('bench:painted')];
  let longest = 0;
  if (from && to) {
    for (const event of events) {
      if (event.name !== 'RunTask' || event.ph !== 'X' || event.tid !== from.tid || event.pid !== from.pid) continue;
      if (event.ts + event.dur < from.ts || event.ts > to.ts) continue;
      longest = Math.max(longest, event.dur / 1000);
    }
  }
  await context.close();
  return { firstScore: painted - start, longestTask: longest };
}

async function rescores(browser, origin, rate) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.querySelector('risk-pane [data-riskpane]')?.shadowRoot?.querySelector('.score'));
  const memory = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    return { wasmBytes: await wasmMemoryBytes(page), jsHeapBytes: heap.usedSize };
  };
  const before = await memory();
  const batch = () => page.evaluate(async (count) => {
    const element = document.querySelector('risk-pane');
    const shadow = element.querySelector('[data-riskpane]').shadowRoot;
    const score = () => shadow.querySelector('.score').textContent;
    const times = [];
    for (let index = 0; index < count; index += 1) {
      // Another case on the page (the demo CRM is a single-page app), then re-score and wait
      // until the new score is in the widget's DOM.
      window.demoShowCase(index % 2 === 0 ? 1 : 0);
      const before = score();
      const painted = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (score() !== before) { observer.disconnect(); resolve(performance.now()); }
        });
        observer.observe(shadow, { subtree: true, childList: true, characterData: true });
      });
      const start = performance.now();
      element.refresh();
      const end = await Promise.race([painted, new Promise((resolve) => setTimeout(() => resolve(null), 2000))]);
      if (end === null) throw new Error(`re-score ${index} did not change the score`);
      times.push(end - start);
    }
    return times;
  }, RESCORES);
  const times = await batch();
  const after = await memory();
  // A second batch: memory that grew in the first (allocator high-water marks) must not grow again.
  await batch();
  const afterSecond = await memory();
  await context.close();
  times.sort((a, b) => a - b);
  return { rescore: { median: median(times), p95: times[Math.floor(times.length * 0.95)], max: times.at(-1), count: times.length }, memoryAfterFirstScore: before, memoryAfterRescores: after, memoryAfter2000Rescores: afterSecond };
}

const server = await startServer('bench');
const browser = await launchBrowser();
const result = {};
try {
  for (const [name, rate] of [['desktop', 1], ['throttled4x', 4]]) {
    const runs = [];
    for (let run = 0; run < RUNS; run += 1) runs.push(await firstScore(browser, server.origin, rate));
    result[name] = {
      firstScoreMs: stats(runs.map((run) => run.firstScore)),
      longestTaskMs: stats(runs.map((run) => run.longestTask)),
      ...(await rescores(browser, server.origin, rate)),
    };
  }
  result.chromium = browser.version();
} finally {
  await browser.close();
  server.stop();
}
console.log(JSON.stringify(result));
