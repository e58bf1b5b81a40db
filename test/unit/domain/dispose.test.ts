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
  const first = owner.add({ dispose: () => order.push('first') });
  owner.add({ dispose: () => order.push('second') });
  assert.equal(typeof first.dispose, 'function');
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
