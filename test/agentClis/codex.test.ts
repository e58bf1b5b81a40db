import * as assert from 'node:assert/strict';
import { codexDialect, openaiError, openaiResponses } from './codexProtocol';
import { describePreset } from './presetSuite';

// codex 0.171.0 against a loopback OpenAI Responses server: reads as `exec_command`,
// edits as `apply_patch`. codex offers apply_patch only for a model it knows, hence
// gpt-5.5. A patch outside the folder is refused by codex, which names no path for it.
describePreset({
  id: 'codex',
  protocol: openaiResponses,
  dialect: codexDialect,
  baseUrl: (url) => `${url}/v1`,
  model: 'gpt-5.5',
  carriesKey: (request, key) => request.headers.authorization === `Bearer ${key}`,
  errorBody: (status) => openaiError(status, status === 401 ? 'Incorrect API key provided' : 'The server had an error'),
  failure: (status) =>
    status === 401
      ? /exited with code 1 after an error: unexpected status 401 Unauthorized: Incorrect API key provided.*key Refine Loop passes it in OPENAI_API_KEY/
      : /exited with code 1 after an error: .*codex says this when the model server answers with a 5xx status/,
  // 1 + CODEX_MAX_RETRIES for a 500 (a 401 is not retried).
  maxRequestsOnError: 3,
  readTool: 'exec_command',
  editTool: 'apply_patch',
  refusedWrite: /codex refused a tool use: patch rejected: writing outside of the project/,
  checkPassedRun: (result) => assert.match(result.stdout, /Round 2: changed src\/cart\.js\./, "the CLI's final message is the summary"),
});
