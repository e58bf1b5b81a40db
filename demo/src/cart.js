// A shopping cart with two bugs for Refine Loop to fix.

function subtotal(items) {
  let total = 0;
  for (const item of items) {
    total += item.price;
  }
  return total;
}

function applyDiscount(amount, percent) {
  return amount - percent;
}

module.exports = { subtotal, applyDiscount };
