// A small incremental parser of server-sent events (the text/event-stream format of
// the HTML standard): lines of `field: value`, an event per blank line, `data` lines
// joined with newlines, `:` lines are comments. Fed text as it arrives, in any pieces.

export interface ServerSentEvent {
  /** `message` when the event named none. */
  readonly event: string;
  readonly data: string;
}

export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private sawData = false;

  /** Parses what is complete in `chunk` (with what was held back) and returns the events it finished. */
  feed(chunk: string): ServerSentEvent[] {
    this.buffer += chunk;
    const events: ServerSentEvent[] = [];
    const newlines = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = newlines.exec(this.buffer); match; match = newlines.exec(this.buffer)) {
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (match[0] === '\r' && match.index + 1 === this.buffer.length) break;
      const event = this.line(this.buffer.slice(start, match.index));
      start = match.index + match[0].length;
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') {
      if (!this.sawData) {
        this.eventName = '';
        return undefined;
      }
      const event = { event: this.eventName || 'message', data: this.dataLines.join('\n') };
      this.eventName = '';
      this.dataLines = [];
      this.sawData = false;
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') {
      this.dataLines.push(value);
      this.sawData = true;
    }
    return undefined;
  }
}
