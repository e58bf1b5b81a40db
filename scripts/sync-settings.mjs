// Writes package.json's contributes.configuration from the zod settings schema
// (src/core/settings.ts), the one source of truth. A unit test checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';

const { configurationContribution } = await loadTs('src/core/settings.ts');
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
manifest.contributes.configuration = configurationContribution();
writeFileSync('package.json', JSON.stringify(manifest, null, 2) + '\n');
console.log(`package.json: ${Object.keys(manifest.contributes.configuration.properties).length} settings written`);
