// The bundles: the extension host code (cjs, node, `vscode` external) in two parts, what
// activation needs (dist/extension.js) and what only a running session needs
// (dist/sessionRuntime.js, loaded by `import('./sessionRuntime.js')` on first use); the
// review panel's browser code; and the CLI. `--production` minifies; source maps always.
import * as esbuild from 'esbuild';
import { resolve } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

// Modules whose identity matters on both sides of the split (errors are caught with
// instanceof across it, e.g. a PathError of the editor's workspace in the edit engine):
// built once, as dist/<name>.js, and required by both bundles instead of copied into each.
const shared = { 'src/domain/errors.ts': 'errors' };

/** Resolves the imports of the shared modules and of the session runtime to the files beside the bundle. */
const splitPlugin = {
  name: 'refine-loop-split',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '');
      for (const [file, name] of Object.entries(shared)) {
        if (target === resolve(file).replace(/\.ts$/, '') && args.importer !== resolve(file)) return { path: `./${name}.js`, external: true };
      }
      if (target === resolve('src/vscode/sessionRuntime')) return { path: './sessionRuntime.js', external: true };
      return undefined;
    });
  },
};

const host = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], plugins: [splitPlugin], supported: { 'dynamic-import': false } };

const builds = [
  { ...host, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js' },
  { ...host, entryPoints: ['src/vscode/sessionRuntime.ts'], outfile: 'dist/sessionRuntime.js' },
  ...Object.entries(shared).map(([file, name]) => ({ ...host, entryPoints: [file], outfile: `dist/${name}.js` })),
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
];

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
