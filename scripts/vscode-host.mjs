// Running the VS Code host: code-server on 127.0.0.1 and headless Chromium, shared by the
// integration runner, the e2e run, `npm start` and its smoke check, so that they start,
// isolate and stop them the same way. Only Node built-ins at the top level: `npm start`
// imports this before it installs dependencies (playwright-core is loaded on use).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromiumArgs, chromiumPath, codeServerEntry } from './vscode-host-paths.mjs';

const root = resolve(import.meta.dirname, '..');

/** code-server's line once it serves; group 1 the base URL, group 2 the port. */
export const LISTENING = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))\//;

/** No extension gallery: a test host must not reach for the internet. */
export const OFFLINE_GALLERY = JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item', resourceUrlTemplate: 'http://127.0.0.1:9/resource' });

/** Flags of a test host: a fixed trusted workspace, no welcome page in the way. */
export const TEST_HOST_FLAGS = ['--disable-workspace-trust', '--disable-getting-started-override'];

/**
 * Steps run once, newest first, at the end or on SIGINT/SIGTERM/SIGHUP (then exit 130),
 * so what a script started is ended however it stops.
 */
export function cleanupOnExit(log) {
  const steps = [];
  let cleaning = false;
  async function cleanup() {
    if (cleaning) return;
    cleaning = true;
    for (const step of steps.reverse()) {
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
  return { add: (step) => steps.push(step), cleanup };
}

export function ensureProvisioned(log) {
  // The bundled tsserver came later to the provisioning: a cache without it is completed.
  if (existsSync(codeServerEntry()) && existsSync(join(codeServerEntry(), '..', '..', '..', 'lib', 'vscode', 'extensions', 'node_modules', 'typescript', 'lib', 'tsserver.js'))) return;
  log?.('VS Code test host not provisioned yet: provisioning (one time)');
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'provision-vscode-host.mjs')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('provisioning the VS Code test host failed (see above)');
}

/** A user-data folder with settings that keep the host quiet and offline, and an empty extensions folder. */
export function makeHostDirs(scratch, extraSettings = {}) {
  const userDataDir = join(scratch, 'user-data');
  const extensionsDir = join(scratch, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settings = { 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true, 'update.mode': 'none', ...extraSettings };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  return { userDataDir, extensionsDir };
}

/** code-server in its own process group (so killGroup ends all it spawns), output piped. */
export function spawnCodeServer({ folder, userDataDir, extensionsDir, env, bindAddr = '127.0.0.1:0', flags = [] }) {
  return spawn(
    process.execPath,
    [codeServerEntry(), '--auth', 'none', '--bind-addr', bindAddr, '--disable-telemetry', '--disable-update-check', ...flags, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, folder],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
}

/** Resolves with the base URL once code-server listens; rejects if it exits first or takes over 60 s. */
export function waitForUrl(child) {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output.slice(-2000)}`)), 60_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
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

/** Sends a signal to a detached child's whole group; false when it is already gone. */
export function signalGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the group, SIGKILL after 3 s; resolves when the child is gone. onSignalled runs once the signal is sent. */
export function killGroup(child, onSignalled) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const done = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      resolvePromise();
    }, 3000);
    child.once('exit', () => {
      clearTimeout(done);
      resolvePromise();
    });
    if (!signalGroup(child)) {
      clearTimeout(done);
      resolvePromise();
    }
    onSignalled?.();
  });
}

export async function launchChromium({ headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless });
}

/** The workbench URL that opens folder with the given payload (extension under development, tests). */
export function workbenchUrl(url, folder, payload) {
  return `${url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
