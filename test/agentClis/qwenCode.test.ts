import { chatCompletions } from './chatProtocol';
import { qwenDialect } from './cartScript';
import { describePreset } from './presetSuite';

// Qwen Code 0.15.10 against a loopback chat completions server. It does not confine
// itself: the sandbox does. An API error still exits 0.
describePreset({
  id: 'qwen-code',
  protocol: chatCompletions,
  dialect: qwenDialect,
  baseUrl: (url) => `${url}/v1`,
  model: 'qwen3-coder-test',
  carriesKey: (request, key) => request.headers.authorization === `Bearer ${key}`,
  errorBody: (status) => JSON.stringify({ error: { message: status === 401 ? 'Incorrect API key provided' : 'internal error', type: status === 401 ? 'invalid_request_error' : 'server_error' } }),
  failure: (status) => new RegExp(`exited 0 but reported an error: the model call failed: ${status}`),
  // Its stream retry makes 7 attempts on a 5xx (fixed in 0.15.10, backoff to 30 s); the SDK's own retries are off.
  maxRequestsOnError: 7,
  agentTimeoutOnError: 150,
  readTool: 'read_file',
  editTool: 'edit',
});
