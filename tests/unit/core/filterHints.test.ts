import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/lib/core/filter';
import { unknownNameHint } from '../../../src/lib/core/filterHints';

const vocabulary = { classes: ['person', 'car'], tags: ['night'] };
const hint = (text: string) => unknownNameHint(parseFilter(text), vocabulary);

describe('unknownNameHint', () => {
  it('is null when every class and tag name exists', () => {
    expect(hint('class:person gt:car cell:person/- tag:night>=0.7 path:x')).toBeNull();
  });

  it('names an unknown class, with the right case when only the case differs', () => {
    expect(hint('class:unicorn')).toBe('no class "unicorn" in this dataset');
    expect(hint('pred:Person')).toBe(
      'no class "Person" in this dataset (names are case-sensitive: "person")',
    );
    expect(hint('cell:-/bus')).toBe('no class "bus" in this dataset');
  });

  it('suggests the nearest class for a typo or a different spacing', () => {
    const voc = { classes: ['person', 'pottedplant', 'tvmonitor', 'car'], tags: [] };
    const of = (text: string) => unknownNameHint(parseFilter(text), voc);
    expect(of('gt:persn')).toBe('no class "persn" in this dataset (did you mean "person"?)');
    expect(of('gt:"potted plant"')).toBe(
      'no class "potted plant" in this dataset (did you mean "pottedplant"?)',
    );
    expect(of('gt:tv_monitor')).toBe('no class "tv_monitor" in this dataset (did you mean "tvmonitor"?)');
    // One letter per three may differ (at most two): "cat" is one from "car"; a two-letter name
    // allows none, and "bicycle" is far from everything.
    expect(of('gt:cat')).toBe('no class "cat" in this dataset (did you mean "car"?)');
    expect(of('gt:ca')).toBe('no class "ca" in this dataset');
    expect(of('gt:bicycle')).toBe('no class "bicycle" in this dataset');
  });

  it('names an unknown tag and lists the saved ones', () => {
    expect(hint('tag:nite')).toBe('no saved tag "nite" (saved tags: night)');
    expect(unknownNameHint(parseFilter('tag:x'), { classes: [], tags: [] })).toBe(
      'no saved tag "x" (none is saved)',
    );
  });
});
