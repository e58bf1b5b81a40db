#!/usr/bin/env node
// End to end: Playwright drives the real VS Code workbench (code-server 1.100, headless
// Chromium) through one whole loop on a copy of the demo project, with the scripted
// `command` agent of test/fixtures/e2e/agent.js:
//   Start → the diff shown → Reject with a reason → a revised proposal → Approve →
//   tests fail → Continue → Approve → tests pass → outcome `passed`,
// then checks the files on disk and runs the demo's tests itself. A screenshot of every
// step (numbered in order: start, each review, each gate, passed, the Sessions view, the
// dark theme) goes to test-results/e2e/. The server and the browser this script starts
// are always ended.
//
// Usage: node scripts/run-e2e.mjs [--headed] [--keep]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OFFLINE_GALLERY, TEST_HOST_FLAGS, cleanupOnExit, ensureProvisioned, killGroup, launchChromium, makeHostDirs, spawnCodeServer, waitForUrl, workbenchUrl } from './vscode-host.mjs';

const root = resolve(import.meta.dirname, '..');
const headed = process.argv.includes('--headed');
const keep = process.argv.includes('--keep');
const artifacts = join(root, 'test-results', 'e2e');
const started = Date.now();
const STEP_TIMEOUT = 60_000;

function log(message) {
  process.stderr.write(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

const { add: addCleanup, cleanup } = cleanupOnExit(log);

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function main() {
  ensureProvisioned();
  if (!existsSync(join(root, 'dist', 'extension.js')) || !existsSync(join(root, 'dist', 'webview.js'))) throw new Error('build first: npm run build');

  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'refine-loop-e2e-'));
  if (!keep) addCleanup(() => rmSync(scratch, { recursive: true, force: true }));
  const workspace = join(scratch, 'demo');
  cpSync(join(root, 'demo'), workspace, { recursive: true, filter: (source) => !source.includes('node_modules') });
  const agentLog = join(scratch, 'agent-calls.log');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(
    join(workspace, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'refineLoop.agent.commandMode': 'reply',
        'refineLoop.test.command': 'node --test',
      },
      null,
      2,
    ),
  );
  const originalCart = readFileSync(join(workspace, 'src', 'cart.js'), 'utf8');
  // What runs and how far the loop goes are the person's settings: a workspace value of these would be asked about first.
  const { userDataDir, extensionsDir } = makeHostDirs(scratch, {
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'window.commandCenter': false,
    'refineLoop.agent.provider': 'command',
    'refineLoop.agent.command': `"${process.execPath}" "${join(root, 'test', 'fixtures', 'e2e', 'agent.js')}"`,
    'refineLoop.maxRounds': 5,
  });
  const env = {
    ...process.env,
    EXTENSIONS_GALLERY: OFFLINE_GALLERY,
    // Not REFINE_LOOP_*: those are kept from every child the extension starts.
    E2E_AGENT_CALLS_LOG: agentLog,
  };
  const server = spawnCodeServer({ folder: workspace, userDataDir, extensionsDir, env, flags: TEST_HOST_FLAGS });
  addCleanup(() => killGroup(server));
  const url = await waitForUrl(server);
  const host = new URL(url).host;
  log(`code-server at ${url}, workspace ${workspace}`);

  const browser = await launchChromium({ headless: !headed });
  addCleanup(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1680, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  addCleanup(async () => {
    // Runs before the browser closes: keep a picture of where a failure happened.
    if (process.exitCode) await page.screenshot({ path: join(artifacts, 'failure.png') }).catch(() => undefined);
  });

  const payload = [['extensionDevelopmentPath', `vscode-remote://${host}${root}`], ['skipWelcome', 'true']];
  await page.goto(workbenchUrl(url, workspace, payload));
  await page.locator('.monaco-workbench').waitFor();
  await page.locator('.statusbar').waitFor();
  log('workbench ready');

  const quickInput = page.locator('.quick-input-widget');
  const quickInputBox = page.locator('.quick-input-widget .quick-input-box input');

  async function runCommand(title) {
    await page.keyboard.press('F1');
    await quickInputBox.waitFor();
    await quickInputBox.fill(`>${title}`);
    const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    await row.waitFor();
    await row.click();
  }

  // Before any session: the Sessions view's welcome, and the walkthrough it links to.
  await page.locator('.activitybar [aria-label^="Refine Loop"]').first().click();
  const welcome = page.locator('.welcome-view-content', { hasText: 'No refinement sessions yet' });
  await welcome.waitFor();
  await welcome.locator('a', { hasText: 'Get Started' }).first().click();
  await page.locator('.gettingStartedContainer', { hasText: 'Choose a model' }).first().waitFor();
  await expectText(page.locator('.gettingStartedContainer'), 'Run a first loop on a file');
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(artifacts, 'walkthrough.png') });
  await runCommand('View: Close All Editors');
  log('walkthrough shown from the Sessions view');

  // Open src/cart.js (the scope: the active file).
  await page.keyboard.press('Control+P');
  await quickInputBox.waitFor();
  await quickInputBox.fill('cart.js');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'cart.js' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab', { hasText: 'cart.js' }).first().waitFor();
  log('opened src/cart.js');

  // Start: the task, the scope, the test command confirmed.
  await runCommand('Refine Loop: Start');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'the task' }).waitFor();
  await quickInputBox.fill('Make the cart tests pass');
  await page.screenshot({ path: join(artifacts, '01-start-task.png') });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'what the agent sees' }).waitFor();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Active file' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'confirm the test command' }).waitFor();
  check((await quickInputBox.inputValue()) === 'node --test', 'the test command is offered for confirmation');
  await page.keyboard.press('Enter');
  await quickInput.waitFor({ state: 'hidden' });
  log('started');

  const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const badge = panel.locator('#round-badge');

  async function clearNotifications() {
    await runCommand('Notifications: Clear All Notifications');
    await quickInput.waitFor({ state: 'hidden' });
  }
  const panelFrame = page.locator('iframe.webview.ready');

  // Round 1: the diff editor shows the proposal; reject it with a reason.
  await page.locator('.monaco-diff-editor').first().waitFor();
  await page.locator('.tab', { hasText: 'Round 1' }).first().waitFor();
  await panel.locator('#approve').waitFor();
  await expectText(badge, 'Round 1 of 5');
  await expectText(panel.locator('.summary'), 'fraction');
  await clearNotifications();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(artifacts, '02-review-round-1.png') });
  await page.locator('.monaco-diff-editor').first().screenshot({ path: join(artifacts, 'diff-editor.png') });
  // One place to read the proposal: the diff editor has the width to show both sides.
  check((await page.locator('.monaco-diff-editor.side-by-side').count()) > 0, 'the diff editor shows the proposal side by side beside the panel');
  check((await panel.locator('pre.lines').count()) === 0, 'the panel does not repeat the hunks the diff shows');
  await expectText(panel.locator('.hunk-where'), 'in applyDiscount');
  check(!((await panel.locator('body').textContent()) ?? '').includes('@@'), 'no raw hunk headers in the panel');
  await expectText(panel.locator('#mode'), 'You approve each round');
  log('round 1: proposal shown in the diff editor and the panel');
  await panel.locator('#reason').fill('percent is a percentage: 10 means 10 %, so take amount * percent / 100 off');
  await panel.locator('#reason').press('Control+Enter');
  log('round 1: rejected with a reason (Ctrl+Enter in the reason box)');

  // Round 2: the revised proposal; approve; the tests fail (subtotal).
  await expectText(badge, 'Round 2 of 5');
  await expectText(panel.locator('.summary'), 'percent/100');
  await panel.locator('#approve').waitFor();
  await clearNotifications();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(artifacts, '03-review-round-2.png') });
  await panelFrame.screenshot({ path: join(artifacts, 'review-panel-round-2.png') });
  // Per-hunk choice: unticking Keep asks why and changes what Approve says; ticking it again undoes that.
  const keepBox = panel.locator('.hunk input[type="checkbox"]').first();
  await keepBox.uncheck();
  await panel.locator('.hunk-reason').first().fill('not this hunk');
  await expectText(panel.locator('#approve'), 'Approve the rest (1 hunk rejected)');
  await panelFrame.screenshot({ path: join(artifacts, '04-review-panel-hunk-rejected.png') });
  await keepBox.check();
  await expectText(panel.locator('#approve'), 'Approve and run the tests');
  check((await panel.locator('.hunk-reason').count()) === 0, 'the reason box goes away with the hunk kept again');
  await panel.locator('#approve').click();
  log('round 2: approved');
  await panel.locator('#continue').waitFor();
  // Failing first: the two tests that failed re-ran; the others did not run (not "skipped").
  await expectText(panel.locator('#test-summary'), 'Re-ran the 2 tests that failed: 1 fixed, 1 still fails; the other');
  await expectText(panel.locator('#continue'), 'Continue: send the 1 failure to the agent');
  await expectText(panel.locator('#stop-keep'), "Stop and keep round 2's change");
  await expectText(panel.locator('#stop-revert'), 'Undo all rounds');
  // The round's proposal tab is now the applied change.
  await page.locator('.tab', { hasText: 'cart.js (applied in round 2)' }).first().waitFor();
  check((await page.locator('.tab', { hasText: 'Round 2 proposal' }).count()) === 0, 'no tab still calls the applied round a proposal');
  await clearNotifications();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(artifacts, '05-after-tests-gate.png') });
  await panelFrame.screenshot({ path: join(artifacts, 'review-panel-tests.png') });
  check(readFileSync(join(workspace, 'src', 'cart.js'), 'utf8').includes('return amount - (amount * percent) / 100;'), 'round 2 is on disk');
  await panel.locator('#continue').click();
  log('round 2: tests failed, continued');

  // Round 3: approve; the tests pass; the outcome is `passed`.
  await expectText(badge, 'Round 3 of 5');
  await expectText(panel.locator('.summary'), 'quantity');
  await clearNotifications();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(artifacts, '06-review-round-3.png') });
  await panel.locator('h1.task').click();
  await panel.locator('body').press('a');
  log('round 3: approved (the A key in the panel)');
  const outcome = panel.locator('#outcome');
  const finish = panel.locator('#stop-keep');
  await Promise.race([outcome.waitFor(), finish.waitFor()]);
  if (!(await outcome.isVisible())) {
    await finish.click();
    log('round 3: finished and kept');
  }
  await outcome.waitFor();
  const outcomeName = await outcome.getAttribute('data-outcome');
  check(outcomeName === 'passed', `the outcome is passed (got ${outcomeName})`);
  await page.locator('.statusbar-item', { hasText: 'Passed' }).first().waitFor();
  await clearNotifications();
  await page.waitForTimeout(300);
  await page.locator('.tab', { hasText: 'cart.js (applied in round 3)' }).first().waitFor();
  check((await page.locator('.tab', { hasText: 'proposal)' }).count()) === 0, 'at the end no tab is a proposal any more');
  await page.screenshot({ path: join(artifacts, '07-passed.png') });
  await panelFrame.screenshot({ path: join(artifacts, 'review-panel-passed.png') });
  log('outcome: passed');

  // On disk: both fixes, nothing else; the demo's own tests pass.
  const cart = readFileSync(join(workspace, 'src', 'cart.js'), 'utf8');
  const expected = originalCart.replace('total += item.price;', 'total += item.price * item.quantity;').replace('return amount - percent;', 'return amount - (amount * percent) / 100;');
  check(cart === expected, `src/cart.js holds exactly the two approved fixes:\n${cart}`);
  check(readFileSync(join(workspace, 'test', 'cart.test.js'), 'utf8') === readFileSync(join(root, 'demo', 'test', 'cart.test.js'), 'utf8'), 'the tests were not touched');
  const tests = spawnSync(process.execPath, ['--test'], { cwd: workspace, encoding: 'utf8' });
  check(tests.status === 0, `the demo's tests pass on disk:\n${tests.stdout}${tests.stderr}`);
  const calls = readFileSync(agentLog, 'utf8').trim().split('\n');
  check(calls.length === 3, `the agent was called three times (got ${calls.length}: ${calls.join(', ')})`);

  // The Sessions view lists the session with its three rounds.
  const tree = page.locator('.pane', { hasText: 'Sessions' });
  if (!(await tree.first().isVisible())) await page.locator('.activitybar [aria-label^="Refine Loop"]').first().click();
  const sessionRow = tree.locator('.monaco-list-row', { hasText: 'Make the cart tests pass' }).first();
  await sessionRow.waitFor();
  if ((await sessionRow.getAttribute('aria-expanded')) !== 'true') await sessionRow.click();
  await tree.locator('.monaco-list-row', { hasText: 'Round 3' }).first().waitFor();
  const roundRow = tree.locator('.monaco-list-row', { hasText: 'Round 3' }).first();
  check(((await roundRow.textContent()) ?? '').includes('tests pass'), 'round 3 says the tests pass in the Sessions view');
  const round2Row = tree.locator('.monaco-list-row', { hasText: 'Round 2' }).first();
  check(((await round2Row.textContent()) ?? '').includes('1 fixed, 1 still failing'), 'round 2 is progress in the Sessions view');
  check((await round2Row.locator('.codicon-arrow-up').count()) === 1, 'round 2 has the progress icon, not a red cross');
  check((await tree.locator('.monaco-list-row', { hasText: 'Round 1' }).first().locator('.codicon-close').count()) === 1, 'the rejected round 1 has the rejected icon');
  await roundRow.click();
  await tree.locator('.monaco-list-row', { hasText: 'cart.js' }).first().waitFor();
  await page.screenshot({ path: join(artifacts, '08-sessions-view.png') });
  log('sessions view lists the session');

  // Export Report: the session as Markdown in a new editor.
  await runCommand('Refine Loop: Export Report');
  await page.locator('.tab', { hasText: 'Untitled' }).first().waitFor();
  await expectText(page.locator('.editor-group-container.active .view-lines'), 'Make the cart tests pass');
  log('report exported');

  // A reload: the serializer brings the review panel back, and the extension fills it
  // from the stored session record (the session itself lived in the old extension host).
  await page.reload();
  await page.locator('.monaco-workbench').waitFor();
  await panel.locator('#outcome[data-outcome="passed"]').waitFor();
  await expectText(panel.locator('#outcome'), 'after 3 rounds');
  await expectText(panel.locator('.chart title'), 'round 3 0');
  check((await panel.locator('#approve, #continue').count()) === 0, 'no gate buttons on an ended session');
  log('review panel restored after a reload, from the stored record');

  // The panel follows the theme: the same state in a dark theme.
  await runCommand('Preferences: Color Theme');
  await quickInputBox.fill('Dark Modern');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
  await page.keyboard.press('Enter');
  await quickInput.waitFor({ state: 'hidden' });
  await page.locator('.monaco-workbench.vs-dark').waitFor();
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(artifacts, '09-passed-dark.png') });
  await panelFrame.screenshot({ path: join(artifacts, 'review-panel-dark.png') });
  log('dark theme screenshot taken');
  await smallCopies(context, ['02-review-round-1', '05-after-tests-gate', '07-passed', '08-sessions-view']);
  return 0;
}

/** Copies at 2/3 size of the screenshots the README shows (docs/images/ takes them from here), drawn by the browser itself. */
async function smallCopies(context, names) {
  const folder = join(artifacts, 'small');
  mkdirSync(folder, { recursive: true });
  const page = await context.newPage();
  await page.setViewportSize({ width: 1120, height: 667 });
  for (const name of names) {
    const data = readFileSync(join(artifacts, `${name}.png`)).toString('base64');
    await page.setContent(`<body style="margin:0"><img id="shot" style="width:1120px;display:block" src="data:image/png;base64,${data}"></body>`);
    await page.locator('#shot').screenshot({ path: join(folder, `${name}.png`) });
  }
  await page.close();
}

async function expectText(locator, text) {
  const deadline = Date.now() + STEP_TIMEOUT;
  let last = '';
  while (Date.now() < deadline) {
    // The editor renders spaces as no-break spaces.
    last = ((await locator.first().textContent({ timeout: 2000 }).catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
    if (last.includes(text)) return;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
  }
  throw new Error(`expected '${text}', last saw '${last.slice(0, 300)}'`);
}

let exitCode = 1;
try {
  exitCode = await main();
  console.log(`e2e: 1 passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s); screenshots in ${artifacts}`);
} catch (error) {
  process.exitCode = 1;
  log(`failed: ${error.stack ?? error.message}`);
  console.log(`e2e: 0 passed, 1 failed; screenshots in ${artifacts}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
