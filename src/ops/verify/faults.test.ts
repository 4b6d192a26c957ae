import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GardenError } from '../../errors.js';
import { FAULTS, parseFaults, parseRounds, planRounds } from './faults.js';

const usage = (fn: () => unknown, mentions?: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GardenError);
    assert.equal(err.code, 'USAGE');
    if (mentions) assert.match(`${err.message} ${err.hint}`, mentions);
    return true;
  });

describe('fault list and rounds', () => {
  test('all eight faults by default, in order', () => {
    assert.deepEqual(parseFaults(undefined), [...FAULTS]);
    assert.equal(FAULTS.length, 8);
  });

  test('a list keeps its order and drops repeats', () => {
    assert.deepEqual(parseFaults('leader-kill, switchover,leader-kill'), ['leader-kill', 'switchover']);
  });

  test('an unknown fault lists the valid ones', () => {
    usage(() => parseFaults('switchover,meteor'), /"meteor".*valid faults: switchover, replica-kill/);
    usage(() => parseFaults(','));
  });

  test('rounds are whole numbers from 1', () => {
    assert.equal(parseRounds(undefined), 1);
    assert.equal(parseRounds('10'), 10);
    for (const bad of ['0', '-1', '1.5', 'abc', '']) usage(() => parseRounds(bad), /--rounds/);
  });

  test('N rounds of each fault, fault by fault', () => {
    assert.deepEqual(planRounds(['switchover', 'router-kill'], 2), [
      'switchover',
      'switchover',
      'router-kill',
      'router-kill',
    ]);
  });
});
