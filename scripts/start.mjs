#!/usr/bin/env node
// `npm start`: install dependencies when missing, build, and open the extension on the
// demo workspace. Desktop VS Code (`code` on PATH) gets --extensionDevelopmentPath;
// otherwise code-server serves it on 127.0.0.1 and this prints the URL to open.
// Only Node built-ins before the install step, so it works on a fresh clone.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { codeServerEntry, hostCacheDir } from './vscode-host-paths.mjs';
import { LISTENING, signalGroup, spawnCodeServer, workbenchUrl } from './vscode-host.mjs';

const root = resolve(import.meta.dirname, '..');
const demo = join(root, 'demo');

function log(message) {
  process.stderr.write(`[start] ${message}\n`);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    log(`${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  log('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
log('building');
run(process.execPath, [join(root, 'esbuild.mjs')]);

const useDesktop = onPath('code') && process.env.REFINE_LOOP_START !== 'web';
if (useDesktop) {
  log(`opening desktop VS Code on ${demo}`);
  run('code', ['--extensionDevelopmentPath', root, '--new-window', demo]);
  process.exit(0);
}

if (!existsSync(codeServerEntry())) {
  log('no desktop `code` on PATH: provisioning code-server (one time)');
  run(process.execPath, [join(root, 'scripts', 'provision-vscode-host.mjs')]);
}

const state = process.env.REFINE_LOOP_START_STATE || join(hostCacheDir(), 'start');
const userDataDir = join(state, 'user-data');
const extensionsDir = join(state, 'extensions');
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(extensionsDir, { recursive: true });
const settingsFile = join(userDataDir, 'User', 'settings.json');
if (!existsSync(settingsFile)) {
  writeFileSync(settingsFile, JSON.stringify({ 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'telemetry.telemetryLevel': 'off' }, null, 2));
}
// The demo is opened from a scratch copy so a session's edits never dirty the repo.
const workspace = join(state, 'demo');
if (!existsSync(workspace)) cpSync(demo, workspace, { recursive: true });

const port = process.env.PORT ?? '0';
const server = spawnCodeServer({
  folder: workspace,
  userDataDir,
  extensionsDir,
  bindAddr: `127.0.0.1:${port}`,
  env: { ...process.env, EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }) },
});

function stop() {
  signalGroup(server);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => (stop(), process.exit(0)));
process.on('exit', stop);

let buffered = '';
const onOutput = (chunk) => {
  buffered += chunk.toString();
  const match = LISTENING.exec(buffered);
  if (!match) return;
  const host = `127.0.0.1:${match[2]}`;
  const payload = [['extensionDevelopmentPath', `vscode-remote://${host}${root}`], ['skipWelcome', 'true']];
  const url = workbenchUrl(match[1], workspace, payload);
  process.stdout.write(`\nRefine Loop is running in code-server on the demo workspace (${workspace}).\nOpen:\n\n  ${url}\n\nPress Ctrl+C to stop.\n`);
  if (process.env.REFINE_LOOP_URL_FILE) writeFileSync(process.env.REFINE_LOOP_URL_FILE, url);
  server.stdout.off('data', onOutput);
  server.stderr.off('data', onOutput);
};
server.stdout.on('data', onOutput);
server.stderr.on('data', onOutput);
server.on('exit', (code, signal) => {
  log(`code-server exited (${code ?? signal})`);
  process.exit(code ?? 1);
});
