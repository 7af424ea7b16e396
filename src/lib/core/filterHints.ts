/**
 * Why a filter matches nothing, when the reason is a name the dataset does not have: the gallery shows
 * this instead of a bare "no image matches", since a mistyped class or tag otherwise looks like an
 * empty result.
 */
import type { Filter } from './filter';

/** The names a filter may refer to. */
export interface FilterVocabulary {
  classes: readonly string[];
  tags: readonly string[];
}

/**
 * The first class or tag name in `filter` that `vocabulary` does not know, explained in one sentence
 * (with the right spelling when only the letter case differs); null when every name is known.
 */
export function unknownNameHint(filter: Filter, vocabulary: FilterVocabulary): string | null {
  const classes = new Set(vocabulary.classes);
  const tags = new Set(vocabulary.tags);

  for (const term of filter.terms) {
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
      const saved =
        vocabulary.tags.length > 0 ? `saved tags: ${vocabulary.tags.join(', ')}` : 'none is saved';
      return `no saved tag "${term.name}" (${saved})`;
    }
  }
  return null;
}

function spellingHint(name: string, known: readonly string[]): string {
  const match = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return match === undefined ? '' : ` (names are case-sensitive: "${match}")`;
}
