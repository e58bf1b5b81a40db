// Loads a TypeScript module of src/ from a plain Node script, by bundling it with
// esbuild into memory: scripts stay .mjs, the sources stay the one truth.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export async function loadTs(entry) {
  const absolute = resolve(entry);
  const result = await esbuild.build({ entryPoints: [absolute], bundle: true, platform: 'node', format: 'cjs', write: false, external: ['vscode'], logLevel: 'silent' });
  const module = { exports: {} };
  const require = createRequire(absolute);
  new Function('module', 'exports', 'require', '__filename', '__dirname', result.outputFiles[0].text)(module, module.exports, require, absolute, resolve(absolute, '..'));
  return module.exports;
}
