import * as assert from 'node:assert/strict';
import { geminiDialect, geminiError, geminiGenerateContent } from './geminiProtocol';
import { describePreset } from './presetSuite';

// Gemini CLI 0.61.0 against a loopback Gemini API server (read_file, replace,
// write_file). With a model given it makes no router call first; it exits with the
// HTTP status mod 256 (401 → 145, 500 → 244).
const MODEL = 'gemini-2.5-pro';
describePreset({
  id: 'gemini-cli',
  protocol: geminiGenerateContent,
  dialect: geminiDialect,
  baseUrl: (url) => url,
  model: MODEL,
  carriesKey: (request, key) => request.headers['x-goog-api-key'] === key,
  errorBody: (status) => geminiError(status, status === 401 ? 'API key not valid. Please pass a valid API key.' : 'Internal error encountered.'),
  failure: (status) =>
    status === 401
      ? /exited with code 145 after an error: the model server answered 401 UNAUTHENTICATED: API key not valid.*key Refine Loop passes it in GEMINI_API_KEY/
      : /exited with code 244 after an error: the model server answered 500 INTERNAL: Internal error encountered\./,
  // GEMINI_MAX_ATTEMPTS.
  maxRequestsOnError: 2,
  readTool: 'read_file',
  editTool: 'replace',
  refusedWrite: /escaped\.txt: Path not in workspace/,
  checkPassedRun: (result, server) => {
    assert.match(result.stdout, /Round 2: changed src\/cart\.js\./, "the CLI's final message is the summary");
    assert.ok(server.modelRequests.every((request) => request.url.startsWith(`/v1beta/models/${MODEL}:streamGenerateContent`)), 'the model was passed, and no router call was made');
  },
});
