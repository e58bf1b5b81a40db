import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repoRoot';
import { placeholdersIn, withPlaceholders } from '../../../src/domain/manifestNls';
import { configurationContribution, defaultSettings, parseSettings, settingKeys, settingsMarkdownTable, SETTINGS_TABLE_END, SETTINGS_TABLE_START } from '../../../src/domain/settings';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(repoRoot(), 'package.nls.json'), 'utf8')) as Record<string, string>;

test('package.json contributes.configuration matches the zod settings schema, its English in package.nls.json (run `npm run sync:settings` to fix)', () => {
  const { contribution, strings } = withPlaceholders(configurationContribution());
  assert.deepEqual(manifest.contributes.configuration, contribution);
  for (const [key, text] of Object.entries(strings)) assert.equal(nls[key], text, key);
});

test('every %placeholder% of package.json has its English in package.nls.json, and package.nls.json holds no unused string', () => {
  const used = placeholdersIn(manifest);
  assert.deepEqual([...used].filter((key) => !(key in nls)), []);
  assert.deepEqual(Object.keys(nls).filter((key) => !used.has(key)), []);
  assert.ok(used.has('refineLoop.start.title') && used.has('refineLoop.maxRounds.description'));
});

test('every setting has a description and a default', () => {
  for (const [key, property] of Object.entries(configurationContribution().properties) as [string, Record<string, unknown>][]) {
    assert.ok(typeof property.description === 'string' || typeof property.markdownDescription === 'string', `${key} has no description`);
    assert.ok('default' in property, `${key} has no default`);
  }
});

test('restricted configurations name real settings', () => {
  for (const key of manifest.capabilities.untrustedWorkspaces.restrictedConfigurations as string[]) {
    assert.ok(settingKeys.includes(key.replace(/^refineLoop\./, '') as never), `${key} is not a setting`);
  }
});

test('defaults are the documented ones', () => {
  assert.equal(defaultSettings.maxRounds, 5);
  assert.equal(defaultSettings.stopAfterRoundsWithoutProgress, 2);
  assert.equal(defaultSettings.approvalMode, 'reviewEachRound');
  assert.equal(defaultSettings['feedback.maxTokens'], 6000);
  assert.ok(defaultSettings.protectedPaths.includes('.vscode/**'));
});

test('parseSettings rejects a wrong type with the setting named', () => {
  assert.throws(() => parseSettings({ maxRounds: 'many' }), /maxRounds/);
  assert.throws(() => parseSettings({ approvalMode: 'yolo' }), /approvalMode/);
  assert.equal(parseSettings({ maxRounds: 9, 'test.command': undefined }).maxRounds, 9);
});

test("README's settings table is the generated one (run `npm run sync:settings` to fix)", () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf(SETTINGS_TABLE_START);
  const end = readme.indexOf(SETTINGS_TABLE_END);
  assert.ok(start >= 0 && end > start, 'README.md has the settings markers');
  assert.equal(readme.slice(start + SETTINGS_TABLE_START.length, end).trim(), settingsMarkdownTable());
});
