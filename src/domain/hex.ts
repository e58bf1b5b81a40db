// Bytes as lowercase hex, two digits a byte: hashes, nonces, ids.

export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** `count` random bytes from Web Crypto (a global in Node 20 and in browsers), as hex. */
export function randomHex(count: number): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(count)));
}
