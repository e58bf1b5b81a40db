#!/usr/bin/env node
// Installs the pinned code-server (a VS Code 1.100 server build from the npm registry)
// into a cache folder outside the repository, so integration tests run in a real VS Code
// extension host on machines with no route to Microsoft's update server.
// Idempotent: a finished install leaves a marker and the script returns at once.
// Offline-safe: it only talks to the npm registry and Debian's packages; the steps that
// would download from elsewhere (postinstall scripts) are replaced by local equivalents.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, renameSync, writeFileSync, readFileSync, copyFileSync, symlinkSync, chmodSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { codeServerVersion, hostCacheDir, codeServerRoot } from './vscode-host-paths.mjs';

const DEBIAN_PACKAGES = ['libkrb5-dev', 'ripgrep', 'chromium'];
// The built-in TypeScript extension looks for tsserver at
// lib/vscode/extensions/node_modules/typescript/lib/tsserver.js (its `bundledVersion`);
// the npm build of code-server leaves that folder out, and every start then shows the
// error "Could not find bundled tsserver.js". The version is the one code-server's
// extensions/npm-shrinkwrap.json pins.
const BUNDLED_TYPESCRIPT = '5.8.3';
const NATIVE_MODULES = ['kerberos', 'node-pty', '@vscode/spdlog', '@parcel/watcher', 'native-watchdog', '@vscode/deviceid'];

function log(message) {
  process.stderr.write(`[provision] ${message}\n`);
}

function run(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with ${result.status ?? result.signal}`);
  }
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter((name) => {
    const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return result.status !== 0 || !result.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages() {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/dpkg-query')) {
    log('not a Debian-like Linux: make sure chromium, ripgrep and Kerberos headers are installed yourself.');
    return;
  }
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(', ')}. Install them with\n` +
        `  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
        'and run this script again (it installs them itself only when run as root).',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

function npm(args, cwd, extraEnv = {}) {
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false', ...extraEnv },
  });
}

function installCodeServer() {
  const root = codeServerRoot();
  const marker = join(root, '.refine-loop-provisioned');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === codeServerVersion) {
    log(`code-server ${codeServerVersion} already provisioned in ${root}`);
    return;
  }
  mkdirSync(hostCacheDir(), { recursive: true });
  // Build in a scratch folder and rename at the end, so an interrupted run never
  // leaves a half-installed host that looks finished.
  const staging = `${root}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'refine-loop-vscode-host', private: true }, null, 2));
  npm(['install', '--ignore-scripts', `code-server@${codeServerVersion}`], staging);

  const vscodeDir = join(staging, 'node_modules', 'code-server', 'lib', 'vscode');
  npm(['install', '--omit=dev', '--ignore-scripts'], vscodeDir);

  // @vscode/ripgrep's postinstall downloads rg from GitHub; Debian's rg does the same job.
  const rgBin = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgBin, { recursive: true });
  copyFileSync('/usr/bin/rg', join(rgBin, 'rg'));
  chmodSync(join(rgBin, 'rg'), 0o755);

  npm(['rebuild', ...NATIVE_MODULES], vscodeDir);
  npm(['rebuild', 'argon2'], staging);

  const links = [
    [join(vscodeDir, 'node_modules.asar'), 'node_modules'],
    [join(vscodeDir, 'bin', 'remote-cli', 'code-server'), 'code-linux.sh'],
    [join(vscodeDir, 'bin', 'helpers', 'browser.sh'), 'browser-linux.sh'],
  ];
  for (const [path, target] of links) {
    if (existsSync(path) || isSymlink(path)) rmSync(path, { force: true });
    symlinkSync(target, path);
  }

  writeFileSync(join(staging, '.refine-loop-provisioned'), `${codeServerVersion}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(staging, root);
  log(`code-server ${codeServerVersion} provisioned in ${root}`);
}

/** Adds the TypeScript the built-in extension expects; additive and safe while the host is in use. */
function ensureBundledTypescript() {
  const extensionsDir = join(codeServerRoot(), 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');
  const target = join(extensionsDir, 'node_modules', 'typescript');
  if (existsSync(join(target, 'lib', 'tsserver.js'))) return;
  // Installed into a scratch folder beside it and renamed into place: a host starting
  // meanwhile sees either no typescript or a whole one.
  const staging = join(extensionsDir, `.typescript-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'refine-loop-bundled-typescript', private: true }, null, 2));
  try {
    npm(['install', '--ignore-scripts', '--no-save', `typescript@${BUNDLED_TYPESCRIPT}`], staging);
    mkdirSync(join(extensionsDir, 'node_modules'), { recursive: true });
    if (!existsSync(join(target, 'lib', 'tsserver.js'))) {
      rmSync(target, { recursive: true, force: true });
      renameSync(join(staging, 'node_modules', 'typescript'), target);
    }
    log(`typescript ${BUNDLED_TYPESCRIPT} put where the built-in TypeScript extension looks for tsserver.js`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function checkChromium() {
  try {
    const version = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
    log(`browser: ${version}`);
  } catch (error) {
    throw new Error(`/usr/bin/chromium does not run: ${error.message}`);
  }
}

try {
  const started = Date.now();
  ensureDebianPackages();
  installCodeServer();
  ensureBundledTypescript();
  checkChromium();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  log(`failed: ${error.message}`);
  process.exit(1);
}
