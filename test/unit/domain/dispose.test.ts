import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable } from '../../../src/domain/dispose';

class Owner extends Disposable {
  add<T extends { dispose(): unknown }>(value: T): T {
    return this._register(value);
  }
}

test('a Disposable disposes what it registered, last first, once', () => {
  const order: string[] = [];
  const owner = new Owner();
  const first = { dispose: () => order.push('first') };
  assert.equal(owner.add(first), first, '_register returns the very value it was given, not a wrapper');
  owner.add({ dispose: () => order.push('second') });
  assert.deepEqual(order, [], 'nothing is disposed before the owner');
  owner.dispose();
  owner.dispose();
  assert.deepEqual(order, ['second', 'first']);
});

test('registering on a disposed owner disposes the value at once', () => {
  const owner = new Owner();
  owner.dispose();
  let disposed = false;
  owner.add({ dispose: () => (disposed = true) });
  assert.equal(disposed, true);
});

test('one failing disposable does not keep the others from being disposed; its error comes out', () => {
  const owner = new Owner();
  const disposed: string[] = [];
  owner.add({ dispose: () => disposed.push('a') });
  owner.add({
    dispose: () => {
      throw new Error('b broke');
    },
  });
  owner.add({ dispose: () => disposed.push('c') });
  assert.throws(() => owner.dispose(), /b broke/);
  assert.deepEqual(disposed, ['c', 'a']);
});
