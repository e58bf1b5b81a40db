// Stdout arrives in chunks that split lines anywhere; a stream parser wants whole lines.

export interface LineSplitter {
  /** The whole lines completed by this chunk. */
  push(chunk: string): string[];
  /** What is left after the stream ended (a last line without a newline). */
  end(): string[];
}

export function lineSplitter(): LineSplitter {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      return lines;
    },
    end() {
      const rest = pending;
      pending = '';
      return rest.trim() === '' ? [] : [rest];
    },
  };
}
