/**
 * Why a filter matches nothing, when the reason is a name the dataset does not have: the gallery shows
 * this instead of a bare "no image matches", since a mistyped class or tag otherwise looks like an
 * empty result.
 */
import { allTerms, type Filter } from './filter';

/** The names a filter may refer to. */
export interface FilterVocabulary {
  classes: readonly string[];
  /** Saved Autotag tags. */
  tags: readonly string[];
  /** Manual tags (a `tag:` term falls back to them); none when absent. */
  manualTags?: readonly string[];
  /** Slice names; when absent, `slice:` terms are not checked. */
  slices?: readonly string[];
}

/**
 * The first class or tag name in `filter` that `vocabulary` does not know, explained in one sentence
 * (with the right spelling when only the letter case differs); null when every name is known.
 */
export function unknownNameHint(filter: Filter, vocabulary: FilterVocabulary): string | null {
  const classes = new Set(vocabulary.classes);
  const tags = new Set([...vocabulary.tags, ...(vocabulary.manualTags ?? [])]);

  for (const term of allTerms(filter)) {
    const classNames =
      term.kind === 'class' || term.kind === 'gt' || term.kind === 'pred'
        ? [term.name]
        : term.kind === 'cell'
          ? [term.groundTruth, term.prediction].filter((name) => name !== null)
          : [];
    for (const name of classNames) {
      if (!classes.has(name))
        return `no class "${name}" in this dataset${spellingHint(name, vocabulary.classes)}`;
    }
    if (term.kind === 'tag' && !tags.has(term.name)) {
      const saved = tags.size > 0 ? `saved tags: ${[...tags].join(', ')}` : 'none is saved';
      return `no saved tag "${term.name}" (${saved})`;
    }
    if (term.kind === 'slice' && vocabulary.slices && !vocabulary.slices.includes(term.name)) {
      const known =
        vocabulary.slices.length > 0 ? `slices: ${vocabulary.slices.join(', ')}` : 'none is saved';
      return `no slice "${term.name}" (${known})`;
    }
  }
  return null;
}

function spellingHint(name: string, known: readonly string[]): string {
  const match = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (match !== undefined) return ` (names are case-sensitive: "${match}")`;
  // Spaces, "_" and "-" written differently ("potted plant" for pottedplant), or a typo of up to two
  // letters ("persn"): the nearest name, when one is that close.
  const squash = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, '');
  const near = known
    .map((candidate) => ({ candidate, distance: editDistance(squash(name), squash(candidate)) }))
    .filter(({ distance }) => distance <= Math.min(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  return near ? ` (did you mean "${near.candidate}"?)` : '';
}

/** Levenshtein distance (insertions, deletions, substitutions), for short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}
