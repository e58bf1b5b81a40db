// Writes package.json's contributes.configuration (with `%key%` placeholders), the
// English of those placeholders in package.nls.json, and README's settings table from the
// zod settings schema (src/domain/settings.ts), the one source of truth. A unit test
// fails when any of them drifts from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';

const { configurationContribution, settingsMarkdownTable, SETTINGS_TABLE_START, SETTINGS_TABLE_END } = await loadTs('src/domain/settings.ts');
const { withPlaceholders } = await loadTs('src/domain/manifestNls.ts');
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const { contribution, strings } = withPlaceholders(configurationContribution());
manifest.contributes.configuration = contribution;
writeFileSync('package.json', JSON.stringify(manifest, null, 2) + '\n');
// The settings' strings replace their old ones; the rest of the manifest's strings stay.
const isSettingString = (key) => key === 'configuration.title' || (key.startsWith('refineLoop.') && /\.(description|markdownDescription|enumDescriptions\.[^.]+)$/.test(key));
const nls = Object.fromEntries(Object.entries(JSON.parse(readFileSync('package.nls.json', 'utf8'))).filter(([key]) => !isSettingString(key)));
writeFileSync('package.nls.json', JSON.stringify({ ...nls, ...strings }, null, 2) + '\n');

const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(SETTINGS_TABLE_START);
const end = readme.indexOf(SETTINGS_TABLE_END);
if (start < 0 || end < start) throw new Error('README.md has no settings markers');
writeFileSync('README.md', readme.slice(0, start + SETTINGS_TABLE_START.length) + '\n' + settingsMarkdownTable() + '\n' + readme.slice(end));
console.log(`package.json and README.md: ${Object.keys(manifest.contributes.configuration.properties).length} settings written`);
