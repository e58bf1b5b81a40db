import { anthropicMessages } from './anthropicProtocol';
import { claudeDialect } from './cartScript';
import { describePreset } from './presetSuite';

// Claude Code 2.1.197 against a loopback Anthropic Messages server.
describePreset({
  id: 'claude-code',
  protocol: anthropicMessages,
  dialect: claudeDialect,
  baseUrl: (url) => url,
  carriesKey: (request, key) => request.headers['x-api-key'] === key,
  errorBody: (status) => JSON.stringify({ type: 'error', error: status === 401 ? { type: 'authentication_error', message: 'invalid x-api-key' } : { type: 'api_error', message: 'Internal server error' } }),
  failure: (status) => new RegExp(`exited with code 1 after an error: the model answered ${status}`),
  // 1 + CLAUDE_MAX_RETRIES (it retries a 401 too).
  maxRequestsOnError: 3,
  readTool: 'Read',
  editTool: 'Edit',
});
