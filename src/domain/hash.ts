// SHA-256 through Web Crypto, a global in Node 20 and in browsers: no import needed,
// so the pure layers can hash file contents too.
import { toHex } from './hex';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return toHex(new Uint8Array(digest));
}

/** The hash of a file's bytes, or null for a file that does not exist. */
export async function contentHash(bytes: Uint8Array | undefined): Promise<string | null> {
  return bytes === undefined ? null : sha256Hex(bytes);
}
