import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredName, enclosingSymbol, locateHunk } from '../../../src/edits/hunkLocation';

test('declaredName finds functions, methods and classes in common languages, and not calls or blocks', () => {
  const table: [string, string | undefined][] = [
    ['function add(a, b) {', 'add'],
    ['export async function fetchAll() {', 'fetchAll'],
    ['export default function* walk(tree) {', 'walk'],
    ['export class Cart {', 'Cart'],
    ['export interface Options {', 'Options'],
    ['const total = (items) => {', 'total'],
    ['export const load = async (path: string): Promise<void> => {', 'load'],
    ['const handler = function (event) {', 'handler'],
    ['  async subtotal(items: Item[]): number {', 'subtotal'],
    ['  static get size() {', 'size'],
    ['def apply_discount(amount, percent):', 'apply_discount'],
    ['    async def fetch(self):', 'fetch'],
    ['class Cart(Base):', 'Cart'],
    ['func (c *Cart) Total() int {', 'Total'],
    ['func main() {', 'main'],
    ['pub(crate) async fn parse(input: &str) -> Result<(), Error> {', 'parse'],
    ['impl<T> Display for Wrapper<T> {', 'Wrapper'],
    ['pub struct Config {', 'Config'],
    ['  public int add(int a, int b) {', 'add'],
    ['  private static List<String> names(Map<String, Integer> counts) throws IOException {', 'names'],
    ['override suspend fun load(id: Int): User {', 'load'],
    ['def valid?', 'valid?'],
    ['module Billing', 'Billing'],
    ['  if (total > 0) {', undefined],
    ['  } else if (x) {', undefined],
    ['  for (const item of items) {', undefined],
    ['  describe("cart", () => {', undefined],
    ['  total += item.price;', undefined],
    ['  doThing(a, b);', undefined],
    ['  return add(a, b) {', undefined],
    ['', undefined],
  ];
  for (const [line, expected] of table) assert.equal(declaredName(line), expected, line);
});

const cart = [
  'export function subtotal(items) {', // 1
  '  let total = 0;', // 2
  '  for (const item of items) {', // 3
  '    total += item.price;', // 4
  '  }', // 5
  '  return total;', // 6
  '}', // 7
  '', // 8
  'export function applyDiscount(amount, percent) {', // 9
  '  return amount - percent;', // 10
  '}', // 11
  '', // 12
  'export const VERSION = 1;', // 13
];

test('enclosingSymbol: the nearest less indented declaration above, through blocks; none at the top level', () => {
  assert.equal(enclosingSymbol(cart, 4), 'subtotal', 'inside a loop inside the function');
  assert.equal(enclosingSymbol(cart, 6), 'subtotal');
  assert.equal(enclosingSymbol(cart, 9), 'applyDiscount', 'the declaration line itself');
  assert.equal(enclosingSymbol(cart, 10), 'applyDiscount');
  assert.equal(enclosingSymbol(cart, 13), undefined, 'top-level code after a function is in none');
  assert.equal(enclosingSymbol(cart, 12, 13), undefined, 'a blank first line takes the next changed line');
  const python = ['class Cart:', '    def total(self):', '        return sum(self.items)', '', '    tax = 0.2'];
  assert.equal(enclosingSymbol(python, 3), 'total');
  assert.equal(enclosingSymbol(python, 5), 'Cart', 'a class attribute after a method is in the class');
  const klass = ['class C {', '  m1() {', '    a();', '  }', '  m2() {', '    b();', '  }', '}'];
  assert.equal(enclosingSymbol(klass, 6), 'm2');
  assert.equal(enclosingSymbol(klass, 3), 'm1');
});

test('locateHunk names the changed lines on the new side, not the context around them', () => {
  const hunk = { id: 'h1', oldStart: 8, oldLines: 4, newStart: 8, newLines: 4, lines: [' ', ' export function applyDiscount(amount, percent) {', '-  return amount - percent;', '+  return amount - (amount * percent) / 100;', ' }'] };
  assert.deepEqual(locateHunk(hunk, cart), { startLine: 10, endLine: 10, onlyDeletes: false, symbol: 'applyDiscount' });
  const multi = { id: 'h2', oldStart: 1, oldLines: 6, newStart: 1, newLines: 6, lines: [' export function subtotal(items) {', ' let total = 0;', ' for (const item of items) {', '-    total += item.price;', '+    total += item.price * item.quantity;', '+    // quantity counts', ' }'] };
  assert.deepEqual(locateHunk(multi, cart), { startLine: 4, endLine: 5, onlyDeletes: false, symbol: 'subtotal' });
  const deletion = { id: 'h3', oldStart: 12, oldLines: 2, newStart: 12, newLines: 1, lines: [' ', '-export const OLD = 0;'] };
  assert.deepEqual(locateHunk(deletion, cart), { startLine: 12, endLine: 12, onlyDeletes: true });
  const added = { id: 'h4', oldStart: 0, oldLines: 0, newStart: 1, newLines: 2, lines: ['+def f():', '+    return 1'] };
  assert.deepEqual(locateHunk(added, ['def f():', '    return 1']), { startLine: 1, endLine: 2, onlyDeletes: false, symbol: 'f' });
});
