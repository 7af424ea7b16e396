import { describe, expect, it } from 'vitest';
import { SelectionState } from '../../../src/lib/state/selection.svelte';

describe('SelectionState', () => {
  // The gallery's display order in these tests: a ranking that is not index order.
  const order = Int32Array.of(7, 3, 9, 1, 4);

  it('toggles one image as a positive', () => {
    const selection = new SelectionState();
    selection.toggle(3);
    expect([...selection.positives]).toEqual([3]);
    selection.toggle(3);
    expect(selection.count).toBe(0);
  });

  it('shift-click picks the range between the last click and this one in display order', () => {
    const selection = new SelectionState();
    selection.toggle(3, false, order);
    selection.toggle(4, true, order);
    expect([...selection.positives].sort((a, b) => a - b)).toEqual([1, 3, 4, 9]);
    // Backwards from the new anchor.
    selection.toggle(7, true, order);
    expect([...selection.positives].sort((a, b) => a - b)).toEqual([1, 3, 4, 7, 9]);
  });

  it('a negative stops being a positive and the other way round', () => {
    const selection = new SelectionState();
    selection.add([1, 2]);
    selection.markNegative([2, 5]);
    expect([...selection.positives]).toEqual([1]);
    expect([...selection.negatives].sort()).toEqual([2, 5]);
    expect(selection.stateOf(2)).toBe('negative');
    selection.add([5]);
    expect(selection.stateOf(5)).toBe('positive');
    expect(selection.stateOf(8)).toBeNull();
    selection.clear();
    expect(selection.count).toBe(0);
  });
});
