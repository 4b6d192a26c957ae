import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clockList, leastClockSkew } from './clock-skew.js';

const at = (clockOffsetMs: number, clockUncertaintyMs: number) => ({ clockOffsetMs, clockUncertaintyMs });

describe('leastClockSkew', () => {
  test('exact readings: the spread of the offsets', () => {
    assert.equal(leastClockSkew([at(0, 0), at(1800, 0), at(-200, 0)]), 2000);
  });
  test('slow round trips widen each reading: agreeing clocks read under load are not skewed', () => {
    // Three hosts on one kernel clock, read with 5 s round trips: offsets spread by 1 s.
    assert.equal(leastClockSkew([at(2704, 2500), at(3380, 2500), at(2378, 2500)]), 0);
  });
  test('a skew larger than both uncertainties is still found, less those uncertainties', () => {
    assert.equal(leastClockSkew([at(0, 10), at(1800, 40)]), 1750);
  });
  test('one clock or none: nothing to disagree with', () => {
    assert.equal(leastClockSkew([at(500, 1)]), 0);
    assert.equal(leastClockSkew([]), 0);
  });
});

test('clockList names each clock with its sign and uncertainty', () => {
  assert.equal(
    clockList([
      { label: 'h1', ...at(12.4, 2.1) },
      { label: 'h2', ...at(-4, 0) },
    ]),
    'h1 +12 ms (±3), h2 -4 ms (±0)',
  );
});
