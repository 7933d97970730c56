// Shared by the browser test files: start the reference CRM server (`xtask serve`) on a free port
// with a fresh SQLite file, and launch Debian's Chromium with the flags this machine needs.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

/** Starts `xtask serve` with extra arguments; resolves to `{ origin, stop }`. */
export async function startServer(name, extraArgs = []) {
  const database = path.join(artifacts, `${name}-${process.pid}.sqlite`);
  const clean = () => { for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true }); };
  clean();
  const server = spawn(path.join(repo, 'target/debug/xtask'),
    ['serve', '--port', '0', '--root', path.join(repo, 'target/www'), '--db', database, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`xtask serve exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`xtask serve did not start: ${output}`)), 15000);
  });
  return { origin, stop: () => { server.kill(); clean(); } };
}

/** Debian's Chromium (Playwright never downloads its own), headless, as root. */
export function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new', '--disable-gpu',
    '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}
