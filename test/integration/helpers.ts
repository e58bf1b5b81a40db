import * as vscode from 'vscode';

export const EXTENSION_ID = 'refine-loop.refine-loop';

/** Activates the extension under test (by one of its own commands' activation) and returns it. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded in this host`);
  await extension.activate();
  return extension;
}
