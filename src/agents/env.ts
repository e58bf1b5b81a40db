// The environment a child program gets: the one list of secrets kept from every child
// lives in src/node/childEnv.ts (the test runner's and the agents' alike).
import { childEnvironment } from '../node/childEnv';

export { isSecretVariable, secretVariablePatterns } from '../node/childEnv';

export function childEnv(base: Record<string, string | undefined>, extra: Record<string, string>, secretVariables: readonly string[] = []): Record<string, string> {
  return childEnvironment(base, extra, { secretVariables });
}
