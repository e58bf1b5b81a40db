// Where the VS Code test host lives: one place, shared by the provisioning script,
// the integration runner and `npm start`.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const codeServerVersion = '4.100.3';

/** Cache folder outside the repository; REFINE_LOOP_CACHE overrides it. */
export function hostCacheDir() {
  const base = process.env.REFINE_LOOP_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'refine-loop');
  return base;
}

export function codeServerRoot() {
  return join(hostCacheDir(), `code-server-${codeServerVersion}`);
}

export function codeServerEntry() {
  return join(codeServerRoot(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
