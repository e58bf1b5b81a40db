const { test } = require('node:test');
const assert = require('node:assert/strict');
const { subtotal, applyDiscount } = require('../src/cart');

test('subtotal multiplies price by quantity', () => {
  assert.equal(subtotal([{ price: 3, quantity: 2 }, { price: 5, quantity: 1 }]), 11);
});

test('subtotal of an empty cart is 0', () => {
  assert.equal(subtotal([]), 0);
});

test('applyDiscount takes a percentage off', () => {
  assert.equal(applyDiscount(200, 10), 180);
});
