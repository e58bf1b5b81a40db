// Layering is enforced here, not remembered: see docs/ARCHITECTURE.md, "Layers".
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules.filter((name) => !name.startsWith('_')), ...builtinModules.map((name) => `node:${name}`)];

const noNode = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'This layer is pure: no Node built-ins. Take what you need through a port in src/domain/ports.ts.' })),
  patterns: [{ group: ['node:*'], message: 'This layer is pure: no Node built-ins.' }],
};
const noVscode = { name: 'vscode', message: 'Only src/vscode (and the integration tests) may import vscode.' };
// `import { z }` makes esbuild bundle all 64 of zod's locales (about 350 KB minified).
const zodNamespace = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Write `import * as z from 'zod'`: the named `z` bundles every zod locale.",
};

// Each folder of src/ and the folders it may import. Imports point down only; a folder
// missing from a list is a layer above (or beside) it. Changing a line here changes the
// architecture: docs/ARCHITECTURE.md says why each layer sits where it does.
const layers = {
  domain: [],
  edits: ['domain'],
  testing: ['domain'],
  protocol: ['domain'],
  loop: ['domain', 'edits', 'testing'],
  node: ['domain', 'edits', 'testing'],
  agents: ['domain', 'edits', 'testing', 'loop', 'node'],
  cli: ['domain', 'edits', 'testing', 'loop', 'node', 'agents'],
  vscode: ['domain', 'edits', 'testing', 'loop', 'node', 'agents', 'protocol'],
  webview: ['protocol'],
};
const folders = Object.keys(layers);
const layerZones = folders.flatMap((folder) =>
  folders
    .filter((other) => other !== folder && !layers[folder].includes(other))
    .map((other) => ({ target: `./src/${folder}`, from: `./src/${other}`, message: `src/${folder} may import only ${['itself', ...layers[folder].map((name) => `src/${name}`)].join(', ')}.` })),
);
const pureLayers = ['domain', 'edits', 'testing', 'protocol', 'loop'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'demo/**', 'test/fixtures/**', '.test-results/**', 'test-results/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.mjs', '.js', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { paths: [noVscode] }],
      'no-restricted-syntax': ['error', zodNamespace],
      // No cycle between files, type-only imports included (a cycle of types is still a knot).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    files: ['src/vscode/**/*.ts', 'test/integration/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Pure layers: no editor, no Node. Globals such as TextEncoder and crypto.subtle are fine.
    files: pureLayers.map((folder) => `src/${folder}/**/*.ts`),
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode, ...noNode.paths], patterns: noNode.patterns }] },
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
