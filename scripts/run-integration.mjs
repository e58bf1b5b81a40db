#!/usr/bin/env node
// Runs the mocha suite of test/integration inside a real VS Code extension host:
// code-server (VS Code 1.100 server) on 127.0.0.1, opened by headless Chromium through
// playwright-core with a `payload` that names the extension and the tests. The page's
// codeAutomationExit(code) reports the result. The server and the browser this script
// starts are always ended: on success, failure, timeout and Ctrl+C.
//
// With --vsix FILE the extension under test is the one installed from that package
// (`--install-extension` into the host's extensions folder): the suite then runs on
// exactly the files the .vsix holds, so a file left out of the package fails it.
//
// Usage: node scripts/run-integration.mjs [--results FILE] [--timeout SECONDS] [--workspace DIR] [--grep PATTERN] [--vsix FILE]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { join, resolve } from 'node:path';
import { codeServerEntry } from './vscode-host-paths.mjs';
import { OFFLINE_GALLERY, TEST_HOST_FLAGS, cleanupOnExit, ensureProvisioned, killGroup, launchChromium, makeHostDirs, spawnCodeServer, waitForUrl, workbenchUrl } from './vscode-host.mjs';

const root = resolve(import.meta.dirname, '..');
const args = parseArgs(process.argv.slice(2));
const resultsFile = resolve(args.results ?? join(root, '.test-results', 'integration.json'));
const timeoutMs = Number(args.timeout ?? 300) * 1000;
const started = Date.now();

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(results|timeout|workspace|grep|vsix)$/.exec(argv[i]);
    if (!match || argv[i + 1] === undefined) {
      console.error(`run-integration: unknown or incomplete option '${argv[i]}'`);
      process.exit(2);
    }
    out[match[1]] = argv[++i];
  }
  return out;
}

function log(message) {
  process.stderr.write(`[integration] ${message}\n`);
}

const { add: addCleanup, cleanup } = cleanupOnExit(log);

async function main() {
  ensureProvisioned(log);
  if (!existsSync(join(root, 'out', 'test', 'integration', 'index.js'))) throw new Error('build first: npm run compile-tests');
  if (!args.vsix && !existsSync(join(root, 'dist', 'extension.js'))) throw new Error('build first: npm run build');

  const scratch = mkdtempSync(join(tmpdir(), 'refine-loop-it-'));
  addCleanup(() => rmSync(scratch, { recursive: true, force: true }));
  const workspace = join(scratch, 'workspace');
  cpSync(resolve(args.workspace ?? join(root, 'test', 'fixtures', 'integration-workspace')), workspace, { recursive: true });
  const { userDataDir, extensionsDir } = makeHostDirs(scratch);
  const extensionPath = args.vsix ? installVsix(resolve(args.vsix), userDataDir, extensionsDir) : root;
  mkdirSync(join(resultsFile, '..'), { recursive: true });
  rmSync(resultsFile, { force: true });

  const env = {
    ...process.env,
    EXTENSIONS_GALLERY: OFFLINE_GALLERY,
    REFINE_LOOP_TEST_RESULTS: resultsFile,
    REFINE_LOOP_TEST_WORKSPACE: workspace,
    ...(args.grep ? { REFINE_LOOP_TEST_GREP: args.grep } : {}),
    ...(args.vsix ? { REFINE_LOOP_TEST_FROM_VSIX: '1' } : {}),
  };
  const server = spawnCodeServer({ folder: workspace, userDataDir, extensionsDir, env, flags: TEST_HOST_FLAGS });
  addCleanup(() => killGroup(server, () => log('stopped code-server')));
  const url = await waitForUrl(server);
  const host = new URL(url).host;
  log(`code-server at ${url}`);

  const browser = await launchChromium();
  addCleanup(async () => {
    await browser.close();
    log('stopped browser');
  });
  const page = await browser.newPage();

  let settle;
  const exited = new Promise((resolvePromise) => (settle = resolvePromise));
  await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
    const text = Array.isArray(logArgs) ? format(...logArgs) : String(logArgs);
    // The workbench's own chatter (service worker, sockets) is not the suite's output.
    if (/^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|\[Service Worker\]|ChatSessionStore)/.test(text)) return;
    process.stdout.write(`${text}\n`);
  });

  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${host}${extensionPath}`],
    ['extensionTestsPath', `vscode-remote://${host}${join(root, 'out', 'test', 'integration', 'index.js')}`],
    ['skipWelcome', 'true'],
  ];
  await page.goto(workbenchUrl(url, workspace, payload));

  const timedOut = new Promise((resolvePromise) => setTimeout(() => resolvePromise('timeout'), timeoutMs).unref());
  const code = await Promise.race([exited, timedOut]);
  if (code === 'timeout') {
    log(`the suite did not finish within ${timeoutMs / 1000} s`);
    return 1;
  }
  return code;
}

/** Installs the package the way a person would and returns the folder it was unpacked into. */
function installVsix(vsix, userDataDir, extensionsDir) {
  if (!existsSync(vsix)) throw new Error(`no package at ${vsix}: npm run package`);
  const installed = spawnSync(process.execPath, [codeServerEntry(), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix], { encoding: 'utf8', env: { ...process.env, EXTENSIONS_GALLERY: OFFLINE_GALLERY } });
  if (installed.status !== 0) throw new Error(`installing ${vsix} failed (${installed.status ?? installed.signal}):\n${installed.stdout}${installed.stderr}`);
  const { publisher, name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const folder = readdirSync(extensionsDir).find((entry) => entry.toLowerCase() === `${publisher}.${name}-${version}`.toLowerCase());
  if (!folder) throw new Error(`${vsix} installed, but ${extensionsDir} holds no ${publisher}.${name}-${version}: ${readdirSync(extensionsDir).join(', ')}`);
  log(`installed ${vsix} into ${join(extensionsDir, folder)}`);
  return join(extensionsDir, folder);
}

function report(code) {
  let results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    log(`no results file at ${resultsFile}`);
    return code === 0 ? 1 : code;
  }
  const counts = { passed: 0, failed: 0, pending: 0 };
  for (const test of results.tests) counts[test.state] = (counts[test.state] ?? 0) + 1;
  log(`VS Code ${results.vscodeVersion} (${results.uiKind}), results in ${resultsFile}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  // The plain closing line: "N passed, N failed".
  console.log(`integration: ${counts.passed} passed, ${counts.failed} failed, ${counts.pending} skipped (${seconds} s)`);
  if (counts.passed + counts.failed === 0) {
    log('the suite ran no test');
    return 1;
  }
  return code === 0 && counts.failed === 0 ? 0 : 1;
}

let exitCode = 1;
try {
  const code = await main();
  exitCode = report(code);
} catch (error) {
  log(`failed: ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
