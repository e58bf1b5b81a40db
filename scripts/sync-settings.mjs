// Writes package.json's contributes.configuration and README's settings table from the
// zod settings schema (src/domain/settings.ts), the one source of truth. A unit test
// fails when either drifts from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';

const { configurationContribution, settingsMarkdownTable, SETTINGS_TABLE_START, SETTINGS_TABLE_END } = await loadTs('src/domain/settings.ts');
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
manifest.contributes.configuration = configurationContribution();
writeFileSync('package.json', JSON.stringify(manifest, null, 2) + '\n');

const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(SETTINGS_TABLE_START);
const end = readme.indexOf(SETTINGS_TABLE_END);
if (start < 0 || end < start) throw new Error('README.md has no settings markers');
writeFileSync('README.md', readme.slice(0, start + SETTINGS_TABLE_START.length) + '\n' + settingsMarkdownTable() + '\n' + readme.slice(end));
console.log(`package.json and README.md: ${Object.keys(manifest.contributes.configuration.properties).length} settings written`);
