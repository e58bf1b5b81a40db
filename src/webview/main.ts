// The review panel's browser code (bundled to dist/webview.js). Filled in by the review panel work.
const vscodeApi = acquireVsCodeApi();
vscodeApi.postMessage({ type: 'ready' });

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };
