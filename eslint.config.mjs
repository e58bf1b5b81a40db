// Layering is enforced here, not remembered: see ../shared/DESIGN.md, "Layers".
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules.filter((name) => !name.startsWith('_')), ...builtinModules.map((name) => `node:${name}`)];

const noNode = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'This layer is pure: no Node built-ins. Take what you need through a port in src/core/ports.ts.' })),
  patterns: [{ group: ['node:*'], message: 'This layer is pure: no Node built-ins.' }],
};
const noVscode = { name: 'vscode', message: 'Only src/vscode (and the integration tests) may import vscode.' };
// `import { z }` makes esbuild bundle all 64 of zod's locales (about 350 KB minified).
const zodNamespace = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Write `import * as z from 'zod'`: the named `z` bundles every zod locale.",
};
// The pure layers (core, edits, the test-report parsers and the feedback builder) may use
// one another, never the layers that touch processes, the network or the editor.
const noImpureLayers = {
  regex: '^\\.{1,2}/(.*/)?((agents|node|cli|vscode|webview)(/|$)|testing(/(?!parsers(/|$)|feedback(/|$))|$))',
  message: 'A pure layer imports only pure layers (src/core, src/edits, src/testing/parsers, src/testing/feedback).',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'demo/**', 'test/fixtures/**', '.test-results/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { paths: [noVscode] }],
      'no-restricted-syntax': ['error', zodNamespace],
    },
  },
  {
    files: ['src/vscode/**/*.ts', 'test/integration/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Pure layers: no editor, no Node. Globals such as TextEncoder and crypto.subtle are fine.
    files: ['src/core/**/*.ts', 'src/edits/**/*.ts', 'src/testing/parsers/**/*.ts', 'src/testing/feedback/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode, ...noNode.paths], patterns: [...noNode.patterns, noImpureLayers] }] },
  },
  {
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode, ...noNode.paths], patterns: noNode.patterns }] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
