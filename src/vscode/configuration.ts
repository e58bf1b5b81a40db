import * as vscode from 'vscode';
import { parseSettings, settingKeys, SETTINGS_SECTION, type Settings } from '../domain/settings';

/** Reads `refineLoop.*` through the one zod schema, so defaults and checks live in one place. */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const raw: Record<string, unknown> = {};
  for (const key of settingKeys) raw[key] = configuration.get(key);
  return parseSettings(raw);
}
