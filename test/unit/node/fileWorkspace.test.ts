import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileWorkspace } from '../../../src/node/fileWorkspace';
import { contentHash } from '../../../src/domain/hash';
import { PathError } from '../../../src/domain/errors';

const bytes = (text: string) => new TextEncoder().encode(text);

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'refine-ws-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

test('reads, creates, modifies and deletes files when the expected hashes match', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'a.txt'), 'old a');
  await writeFile(join(root, 'gone.txt'), 'bye');
  const workspace = createFileWorkspace(root);
  assert.equal(new TextDecoder().decode(await workspace.read('a.txt')), 'old a');
  assert.equal(await workspace.read('missing.txt'), undefined);
  const result = await workspace.commit([
    { path: 'a.txt', expectedHash: await contentHash(bytes('old a')), content: bytes('new a') },
    { path: 'deep/new/b.txt', expectedHash: null, content: bytes('b') },
    { path: 'gone.txt', expectedHash: await contentHash(bytes('bye')), content: null },
  ]);
  assert.deepEqual(result, { ok: true });
  assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'new a');
  assert.equal(await readFile(join(root, 'deep/new/b.txt'), 'utf8'), 'b');
  await assert.rejects(stat(join(root, 'gone.txt')), { code: 'ENOENT' });
  assert.deepEqual((await readdir(root)).filter((name) => name.endsWith('.tmp')), [], 'no temp files left behind');
});

test('writes nothing at all when one expected hash differs (the person typed meanwhile)', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'a.txt'), 'a');
  await writeFile(join(root, 'b.txt'), 'the person changed this');
  const workspace = createFileWorkspace(root);
  const result = await workspace.commit([
    { path: 'a.txt', expectedHash: await contentHash(bytes('a')), content: bytes('agent a') },
    { path: 'b.txt', expectedHash: await contentHash(bytes('b')), content: bytes('agent b') },
    { path: 'c.txt', expectedHash: null, content: bytes('c') },
  ]);
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.conflicts.map((c) => c.path), ['b.txt']);
  assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'a');
  assert.equal(await readFile(join(root, 'b.txt'), 'utf8'), 'the person changed this');
  await assert.rejects(stat(join(root, 'c.txt')), { code: 'ENOENT' });
});

test('a save between preparing and renaming is caught by the second hash check', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'a.txt'), 'a');
  const workspace = createFileWorkspace(root, {
    onStep: async (step) => {
      if (step === 'temp a.txt') await writeFile(join(root, 'a.txt'), 'typed by the person');
    },
  });
  const result = await workspace.commit([{ path: 'a.txt', expectedHash: await contentHash(bytes('a')), content: bytes('agent') }]);
  assert.equal(result.ok, false);
  assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'typed by the person');
  assert.deepEqual((await readdir(root)).filter((name) => name.endsWith('.tmp')), []);
});

test('keeps the file mode of a replaced file', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'run.sh'), 'echo 1');
  await chmod(join(root, 'run.sh'), 0o755);
  const workspace = createFileWorkspace(root);
  await workspace.commit([{ path: 'run.sh', expectedHash: await contentHash(bytes('echo 1')), content: bytes('echo 2') }]);
  assert.equal((await stat(join(root, 'run.sh'))).mode & 0o777, 0o755);
});

test('rejects paths outside the workspace, into .git, and through symbolic links', async (t) => {
  const root = await tempRoot(t);
  const outside = await tempRoot(t);
  await mkdir(join(root, '.git'));
  await symlink(outside, join(root, 'escape'));
  const workspace = createFileWorkspace(root);
  for (const path of ['../x', '/etc/passwd', 'a/../../x', '.git/config', 'escape/file.txt', 'nul\0byte']) {
    await assert.rejects(workspace.read(path), PathError, path);
  }
  await assert.rejects(workspace.commit([{ path: 'escape/new.txt', expectedHash: null, content: bytes('x') }]), PathError);
  await mkdir(join(root, 'folder'));
  await assert.rejects(workspace.read('folder'), /'folder' is a folder, not a file/);
  assert.deepEqual(await readdir(outside), []);
});

test('deleting the only file of a folder removes the folder, up to the first one with other files', async (t) => {
  const root = await tempRoot(t);
  const workspace = createFileWorkspace(root);
  await workspace.commit([{ path: 'src/new/deep/d.js', expectedHash: null, content: bytes('d') }]);
  await writeFile(join(root, 'src', 'other.js'), 'o');
  await workspace.commit([{ path: 'src/new/deep/d.js', expectedHash: await contentHash(bytes('d')), content: null }]);
  assert.deepEqual((await readdir(join(root, 'src'))).sort(), ['other.js']);
});

test('a file of several read chunks is hashed on disk as contentHash hashes its bytes: a match commits, one changed byte conflicts', async (t) => {
  const root = await tempRoot(t);
  // 3.5 MB: the on-disk hash reads it in 1 MB pieces, the last one partial.
  const big = new Uint8Array(3.5 * 1024 * 1024).map((_, i) => (i * 31) % 251);
  await writeFile(join(root, 'big.bin'), big);
  const workspace = createFileWorkspace(root);
  const read = await workspace.read('big.bin');
  assert.ok(read instanceof Uint8Array && !Buffer.isBuffer(read), 'a plain Uint8Array');
  assert.deepEqual(read, big);
  const changed = big.slice();
  changed[changed.length - 1] = (changed[changed.length - 1]! + 1) % 256;
  const stale = await workspace.commit([{ path: 'big.bin', expectedHash: await contentHash(changed), content: bytes('x') }]);
  assert.equal(stale.ok, false);
  assert.deepEqual(await readFile(join(root, 'big.bin')), Buffer.from(big));
  const fresh = await workspace.commit([{ path: 'big.bin', expectedHash: await contentHash(big), content: bytes('x') }]);
  assert.deepEqual(fresh, { ok: true });
  assert.equal(await readFile(join(root, 'big.bin'), 'utf8'), 'x');
  // A folder where a file is expected is a clear error, as on reading it.
  await mkdir(join(root, 'dir'));
  await assert.rejects(workspace.commit([{ path: 'dir', expectedHash: null, content: bytes('x') }]), PathError);
});
