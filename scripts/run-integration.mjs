#!/usr/bin/env node
// Runs the mocha suite of test/integration inside a real VS Code extension host:
// code-server (VS Code 1.100 server) on 127.0.0.1, opened by headless Chromium through
// playwright-core with a `payload` that names the extension and the tests. The page's
// codeAutomationExit(code) reports the result. The server and the browser this script
// starts are always ended: on success, failure, timeout and Ctrl+C.
//
// Usage: node scripts/run-integration.mjs [--results FILE] [--timeout SECONDS] [--workspace DIR] [--grep PATTERN]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { join, resolve } from 'node:path';
import { chromiumArgs, chromiumPath, codeServerEntry } from './vscode-host-paths.mjs';

const root = resolve(import.meta.dirname, '..');
const args = parseArgs(process.argv.slice(2));
const resultsFile = resolve(args.results ?? join(root, '.test-results', 'integration.json'));
const timeoutMs = Number(args.timeout ?? 300) * 1000;
const started = Date.now();

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(results|timeout|workspace|grep)$/.exec(argv[i]);
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

const cleanups = [];
let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch (error) {
      log(`cleanup: ${error.message}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

function ensureProvisioned() {
  if (existsSync(codeServerEntry())) return;
  log('VS Code test host not provisioned yet: provisioning (one time)');
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'provision-vscode-host.mjs')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('provisioning the VS Code test host failed (see above)');
}

/** Starts code-server in its own process group and resolves with its base URL. */
function startCodeServer(folder, userDataDir, extensionsDir, env) {
  const child = spawn(
    process.execPath,
    [
      codeServerEntry(),
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      folder,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  cleanups.push(() => killGroup(child, 'code-server'));
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output.slice(-2000)}`)), 60_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ child, url: match[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited early (${code ?? signal}):\n${output.slice(-2000)}`));
    });
  });
}

function killGroup(child, name) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const done = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolvePromise();
    }, 3000);
    child.once('exit', () => {
      clearTimeout(done);
      resolvePromise();
    });
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      clearTimeout(done);
      resolvePromise();
    }
    log(`stopped ${name}`);
  });
}

async function main() {
  ensureProvisioned();
  if (!existsSync(join(root, 'dist', 'extension.js')) || !existsSync(join(root, 'out', 'test', 'integration', 'index.js'))) {
    throw new Error('build first: npm run build && npm run compile-tests');
  }
  const { chromium } = await import('playwright-core');

  const scratch = mkdtempSync(join(tmpdir(), 'refine-loop-it-'));
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
  const workspace = join(scratch, 'workspace');
  cpSync(resolve(args.workspace ?? join(root, 'test', 'fixtures', 'integration-workspace')), workspace, { recursive: true });
  const userDataDir = join(scratch, 'user-data');
  const extensionsDir = join(scratch, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true, 'update.mode': 'none' }, null, 2),
  );
  mkdirSync(join(resultsFile, '..'), { recursive: true });
  rmSync(resultsFile, { force: true });

  const env = {
    ...process.env,
    // No extension gallery: the host must not reach for the internet.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item', resourceUrlTemplate: 'http://127.0.0.1:9/resource' }),
    REFINE_LOOP_TEST_RESULTS: resultsFile,
    REFINE_LOOP_TEST_WORKSPACE: workspace,
    ...(args.grep ? { REFINE_LOOP_TEST_GREP: args.grep } : {}),
  };
  const { url } = await startCodeServer(workspace, userDataDir, extensionsDir, env);
  const host = new URL(url).host;
  log(`code-server at ${url}`);

  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  cleanups.push(async () => {
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
    ['extensionDevelopmentPath', `vscode-remote://${host}${root}`],
    ['extensionTestsPath', `vscode-remote://${host}${join(root, 'out', 'test', 'integration', 'index.js')}`],
    ['skipWelcome', 'true'],
  ];
  const target = `${url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(target);

  const timedOut = new Promise((resolvePromise) => setTimeout(() => resolvePromise('timeout'), timeoutMs).unref());
  const code = await Promise.race([exited, timedOut]);
  if (code === 'timeout') {
    log(`the suite did not finish within ${timeoutMs / 1000} s`);
    return 1;
  }
  return code;
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
