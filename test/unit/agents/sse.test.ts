import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { SseParser } from '../../../src/agents/sse';

describe('SseParser', () => {
  it('parses named events, joins data lines, skips comments', () => {
    const parser = new SseParser();
    const events = parser.feed(': keep-alive\n\nevent: message_start\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\n');
    assert.deepEqual(events, [
      { event: 'message_start', data: '{"a":1}' },
      { event: 'message', data: 'line one\nline two' },
    ]);
  });

  it('gives the same events however the text is split, \\r\\n included', () => {
    const text = 'event: a\r\ndata: 1\r\n\r\ndata:2\r\n\r\nevent: b\rdata: x y\r\rdata: 3\n\n';
    const whole = new SseParser().feed(text);
    assert.deepEqual(whole, [
      { event: 'a', data: '1' },
      { event: 'message', data: '2' },
      { event: 'b', data: 'x y' },
      { event: 'message', data: '3' },
    ]);
    for (let size = 1; size <= 7; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.feed(text.slice(i, i + size)));
      assert.deepEqual(events, whole, `pieces of ${size}`);
    }
  });

  it('holds back an event until its blank line arrives', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.feed('data: {"partial": '), []);
    assert.deepEqual(parser.feed('true}\n'), []);
    assert.deepEqual(parser.feed('\n'), [{ event: 'message', data: '{"partial": true}' }]);
  });

  it('ignores a blank line with no data and an event name without data', () => {
    assert.deepEqual(new SseParser().feed('\n\nevent: ping\n\n'), []);
  });
});
