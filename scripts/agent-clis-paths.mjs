// Where the pinned agent CLIs are installed for the tests: one folder each in the cache
// outside the repository (beside the VS Code test host). The pins themselves live in
// src/agents/clis/pins.ts; test/agentClis/installed.ts computes the same paths.
import { join } from 'node:path';
import { hostCacheDir } from './vscode-host-paths.mjs';

export function agentClisDir() {
  return join(hostCacheDir(), 'agent-clis');
}

export function agentCliRoot(pin) {
  return join(agentClisDir(), `${pin.id}-${pin.testedVersion}`);
}

export function agentCliBinary(pin) {
  return join(agentCliRoot(pin), 'node_modules', '.bin', pin.binary);
}

export const provisionedMarker = '.refine-loop-provisioned';
