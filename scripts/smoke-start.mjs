#!/usr/bin/env node
// Checks what `npm start` promises: it serves the demo workspace in code-server with
// Refine Loop loaded. Starts scripts/start.mjs, opens the printed URL in headless
// Chromium, trusts the demo folder like a person would, opens the Refine Loop
// container and waits for the Sessions view. Always stops what it started.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, signalGroup } from './vscode-host.mjs';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'refine-loop-start-'));
const urlFile = join(scratch, 'url');
const started = Date.now();
const server = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
  cwd: root,
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, REFINE_LOOP_URL_FILE: urlFile, REFINE_LOOP_START: 'web', REFINE_LOOP_START_STATE: scratch },
});
let browser;
let code = 1;
try {
  const deadline = Date.now() + 120_000;
  while (!existsSync(urlFile) || readFileSync(urlFile, 'utf8') === '') {
    if (Date.now() > deadline) throw new Error('npm start printed no URL within 120 s');
    if (server.exitCode !== null) throw new Error(`npm start exited with ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const url = readFileSync(urlFile, 'utf8');
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  const trust = page.getByRole('button', { name: /Yes, I trust/ });
  await page.waitForTimeout(1500);
  if (await trust.count()) await trust.first().click();
  await page.locator('.activitybar [aria-label^="Refine Loop"]').first().click({ timeout: 30_000 });
  await page.getByText('No refinement sessions yet.').waitFor({ timeout: 30_000 });
  const shots = join(root, 'test-results');
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'npm-start.png') });
  console.log(`npm start: served the demo with Refine Loop loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('start smoke: 1 passed, 0 failed');
  code = 0;
} catch (error) {
  console.error(`start smoke: ${error.message}`);
  console.log('start smoke: 0 passed, 1 failed');
} finally {
  await browser?.close();
  signalGroup(server);
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
