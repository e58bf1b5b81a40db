import { chatCompletions } from './chatProtocol';
import { opencodeDialect } from './cartScript';
import { describePreset } from './presetSuite';

// OpenCode 1.18.33 against a loopback chat completions server (its first request is a
// title call without tools).
describePreset({
  id: 'opencode',
  protocol: chatCompletions,
  dialect: opencodeDialect,
  baseUrl: (url) => `${url}/v1`,
  model: 'oc-test-model',
  carriesKey: (request, key) => request.headers.authorization === `Bearer ${key}`,
  errorBody: (status) => JSON.stringify({ error: { message: status === 401 ? 'Incorrect API key provided' : 'internal error', type: 'x' } }),
  // Its session retry waits what retry-after-ms says (else 2 s doubling): the count stays the same, the test does not wait a minute.
  errorHeaders: { 'retry-after-ms': '100' },
  failure: (status) => new RegExp(`the model answered ${status}`),
  // 1 + its 5 session retries (fixed in 1.18.33), and the title call with the SDK's 2 retries: 9 seen.
  maxRequestsOnError: 9,
  readTool: 'read',
  editTool: 'edit',
});
