#!/usr/bin/env node
// `npm run package`: the .vsix at dist/refine-loop.vsix, made by @vscode/vsce (which runs
// vscode:prepublish, the production build, first), then checked: only files that run or
// that the Marketplace shows, every file the manifest names, and under 300 KB. A check
// that fails exits 1 and says which rule and which file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'dist', 'refine-loop.vsix');
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const MAX_BYTES = 300 * 1024;

function run(args) {
  const result = spawnSync(process.execPath, [vsce, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`vsce ${args[0]} exited ${result.status ?? result.signal}`);
  }
  return result.stdout;
}

/** Folders and kinds of files that never run in the editor. */
const forbidden = [/^src\//, /^test\//, /^scripts\//, /^demo\//, /^out\//, /^node_modules\//, /\.map$/, /\.ts$/, /\.tsbuildinfo$/, /\.vsix$/, /^dist\/cli\.js$/];

try {
  run(['package', '--no-dependencies', '--out', out]);
  const files = run(['ls', '--no-dependencies']).split('\n').map((line) => line.trim()).filter(Boolean);
  const problems = [];
  for (const file of files) {
    const rule = forbidden.find((pattern) => pattern.test(file));
    if (rule) problems.push(`${file} is in the package but does not run (${rule})`);
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const named = [manifest.main, manifest.icon, 'LICENSE', 'package.nls.json'].filter(Boolean).map((path) => path.replace(/^\.\//, ''));
  for (const step of manifest.contributes?.walkthroughs?.flatMap((walkthrough) => walkthrough.steps) ?? []) if (step.media?.markdown) named.push(step.media.markdown);
  for (const path of named) {
    if (existsSync(join(root, path)) && !files.includes(path)) problems.push(`${path} is named by the manifest but missing from the package`);
  }
  const bytes = statSync(out).size;
  if (bytes > MAX_BYTES) problems.push(`the package is ${(bytes / 1024).toFixed(1)} KB, over ${MAX_BYTES / 1024} KB`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`package: ${problem}`);
    process.exit(1);
  }
  console.log(`package: dist/refine-loop.vsix, ${files.length} files, ${(bytes / 1024).toFixed(1)} KB`);
} catch (error) {
  console.error(`package: ${error.message}`);
  process.exit(1);
}
