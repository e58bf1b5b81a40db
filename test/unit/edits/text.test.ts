import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../../src/domain/hash';
import { applyEdits } from '../../../src/edits/index';
import { LfTextFile, decodeFile, encodeFile, indexOfBytes, joinLines, scanUtf8 } from '../../../src/edits/text';
import { decode, encode, memoryWorkspace } from './helpers';

// The byte-level fast path of exact edits: files are checked as UTF-8 on their bytes and
// only decoded when something needs the text, and SEARCH is found in the bytes.

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const strict = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
};

test('scanUtf8 accepts exactly what a fatal TextDecoder accepts, minus CR and NUL', () => {
  const next = random(42);
  // Bytes near the edges of the UTF-8 ranges, so that overlong forms, surrogates and
  // truncated sequences come up often; ASCII runs long enough for the word loop.
  const interesting = [0x00, 0x0d, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];
  for (let round = 0; round < 20_000; round++) {
    // Some long, mostly-ASCII buffers, so that the four-words-at-a-time loop runs and stops anywhere in a group.
    const long = round % 2 === 1;
    const length = Math.floor(next() * (long ? 96 : 24));
    const buffer = new Uint8Array(length + 8);
    const offset = Math.floor(next() * 4);
    const bytes = buffer.subarray(offset, offset + length);
    for (let i = 0; i < length; i++) bytes[i] = next() < (long ? 0.97 : 0.6) ? 0x61 : interesting[Math.floor(next() * interesting.length)]!;
    const text = strict(bytes);
    const expected = text === undefined || text.includes('\r') || text.includes('\0') ? undefined : { ascii: bytes.every((byte) => byte < 0x80) };
    assert.deepEqual(scanUtf8(bytes), expected, `bytes ${[...bytes].map((byte) => byte.toString(16)).join(' ')} at offset ${offset}`);
  }
  const long = encode('x'.repeat(1001) + 'é' + 'y'.repeat(999) + '🚀\n');
  assert.deepEqual(scanUtf8(long), { ascii: false });
  assert.deepEqual(scanUtf8(encode('plain\n'.repeat(300))), { ascii: true });
  assert.equal(scanUtf8(encode('plain\n'.repeat(300) + '\r\n')), undefined);
  assert.equal(scanUtf8(Uint8Array.from([...encode('a'.repeat(100)), 0xed, 0xa0, 0x80])), undefined);
});

test('indexOfBytes finds what a naive search finds, overlapping occurrences included', () => {
  const next = random(7);
  const naive = (haystack: Uint8Array, needle: Uint8Array, from: number) => {
    for (let i = from; i + needle.length <= haystack.length; i++) if (needle.every((byte, j) => haystack[i + j] === byte)) return i;
    return -1;
  };
  for (let round = 0; round < 20_000; round++) {
    const haystack = Uint8Array.from({ length: Math.floor(next() * 40) }, () => 97 + Math.floor(next() * 3));
    const needle = Uint8Array.from({ length: 1 + Math.floor(next() * 4) }, () => 97 + Math.floor(next() * 3));
    const from = Math.floor(next() * 5);
    assert.equal(indexOfBytes(haystack, needle, from), naive(haystack, needle, from));
  }
  // A pathological repetition gives up (undefined) instead of taking quadratic time.
  const spaces = new Uint8Array(200_000).fill(32);
  const needle = Uint8Array.from([120, ...new Uint8Array(5000).fill(32)]);
  assert.equal(indexOfBytes(spaces, needle, 0), undefined);
});

test('a valid LF-only UTF-8 file is decoded only when its text is used', () => {
  const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...encode('café\nx = 1\n')]);
  const file = decodeFile(bytes);
  assert.ok(file instanceof LfTextFile);
  assert.equal(file.utf8, bytes);
  assert.deepEqual([...encodeFile(file)], [...bytes]);
  assert.notEqual(encodeFile(file), bytes);
  assert.equal(joinLines(file), 'café\nx = 1\n');
  assert.equal(file.utf8, undefined);
  assert.deepEqual(file.lines, ['café', 'x = 1']);
  assert.throws(() => decodeFile(Uint8Array.from([0x61, 0xc3, 0x28])), /not valid utf-8 text/);
  assert.throws(() => decodeFile(encode('a\0b\n')), /NUL bytes/);
});

test('exact edits on undecoded files: same bytes, line hints, hashes and refusals as the text path', async () => {
  const body = 'ünï ☕\nconst a = 1;\nfunction f() {\n  return a;\n}\nconst b = 2;\n// 🚀 const b = 2;\n';
  const ws = memoryWorkspace({ 'a.js': body, 'bom.js': Uint8Array.from([0xef, 0xbb, 0xbf, ...encode(body)]), 'bad.js': Uint8Array.from([...encode(body), 0xff]) });
  const one = await applyEdits([{ kind: 'replace', path: 'a.js', block: 1, search: 'const b = 2;\n', replace: 'const b = 3;\n' }], ws);
  assert.equal(decode(one.changes[0]!.after), body.replace('const b = 2;\n', 'const b = 3;\n'));
  assert.equal(one.changes[0]!.beforeHash, await sha256Hex(encode(body)));
  // Several exact edits, then one that needs the matcher (and so the decoded lines).
  const several = await applyEdits(
    [
      { kind: 'replace', path: 'bom.js', block: 1, search: 'ünï ☕\n', replace: 'üñï ☕☕\n' },
      { kind: 'replace', path: 'bom.js', block: 2, search: 'const a = 1;\n', replace: 'const a = 10;\nconst c = 0;\n' },
      { kind: 'replace', path: 'bom.js', block: 3, search: 'return a;   \n', replace: 'return a + c;\n' },
    ],
    ws,
  );
  const expected = body.replace('ünï ☕', 'üñï ☕☕').replace('const a = 1;\n', 'const a = 10;\nconst c = 0;\n').replace('return a;', 'return a + c;');
  assert.deepEqual([...several.changes[0]!.after!], [0xef, 0xbb, 0xbf, ...encode(expected)]);
  // Line hints of later hunks are shifted by the lines an exact edit added.
  const hinted = await applyEdits(
    [
      { kind: 'replace', path: 'a.js', block: 1, search: 'const a = 1;\n', replace: 'const a = 1;\nconst z = 0;\n', lineHint: 2 },
      { kind: 'replace', path: 'a.js', block: 2, search: 'const b = 2;\n', replace: 'const b = 4;\n', lineHint: 6 },
    ],
    ws,
  );
  assert.equal(decode(hinted.changes[0]!.after), body.replace('const a = 1;\n', 'const a = 1;\nconst z = 0;\n').replace('const b = 2;\n', 'const b = 4;\n'));
  // A REPLACE with a lone surrogate goes through the text path (and its U+FFFD on encoding).
  const lone = await applyEdits([{ kind: 'replace', path: 'a.js', block: 1, search: 'const a = 1;\n', replace: 'const a = "\ud83d";\n' }], ws);
  assert.equal(decode(lone.changes[0]!.after), body.replace('const a = 1;', 'const a = "\ufffd";'));
  const invalid = await applyEdits([{ kind: 'replace', path: 'bad.js', block: 1, search: 'const a = 1;\n', replace: 'const a = 2;\n' }], ws);
  assert.match(invalid.problems[0]!.reason, /bad\.js is not valid utf-8 text/);
});
