/**
 * Joining a source's classes to the dataset's. Ground truth defines the dataset's classes, in its
 * order, keeping the ids a format gives them. Predictions join by name, through their own list's
 * ids, or by the ground truth's ids when they list none; a predicted class the ground truth lacks
 * is added with a warning, so the confusion matrix can show it instead of hiding its boxes.
 * Without names anywhere, an id names itself.
 */

import type { Category, Dataset } from '../dataset';
import type { ProblemList } from '../problems';
import type { JoinContext } from './join';
import { entryPlace, sourceFile } from './places';
import type { ParsedEntry, ParsedSource, SourcePlan } from './types';

const NEW_CLASS = 'a class the ground truth has (added as a new class)';

/**
 * Adds the source's listed classes to the dataset, and returns how to find each entry's class.
 *
 * @returns the dataset's class id for entry `index`, or null (reported) when it has none.
 */
export function joinCategories(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): (entry: ParsedEntry, index: number) => number | null {
  const { dataset } = context;
  const file = sourceFile(plan);
  const groundTruth = plan.role === 'groundTruth';
  const listed = parsed.categories.length > 0;
  // Predictions are held to the ground truth's classes only when there is a ground truth.
  const checked = !groundTruth && context.groundTruthFile !== null && dataset.categories.length > 0;
  const byName = new Map(dataset.categories.map((category) => [category.name, category.id]));
  const ids = new Set(dataset.categories.map((category) => category.id));
  const ownIds = new Map<number, number>();
  const add = (category: { name: string; id?: number }) => {
    const added = addCategory(dataset, category);
    byName.set(category.name, added.id);
    ids.add(added.id);
    return added.id;
  };

  parsed.categories.forEach((category, position) => {
    let id = byName.get(category.name);
    if (id === undefined) {
      if (checked) {
        const field = parsed.lists?.categories && `${parsed.lists.categories}[${position}]`;
        problems.report({ file, field, value: category.name, expected: NEW_CLASS }, 'warning');
      }
      id = add(category);
    }
    if (category.id !== undefined) ownIds.set(category.id, id);
  });

  let namedAfterIds = false;
  return (entry, index) => {
    const { category } = entry;
    if (typeof category === 'string') {
      const known = byName.get(category);
      if (known !== undefined) return known;
      if (checked) {
        const place = entryPlace(parsed, entry, index, 'category');
        problems.report({ ...place, value: category, expected: NEW_CLASS }, 'warning');
      }
      return add({ name: category });
    }

    const own = ownIds.get(category);
    if (own !== undefined) return own;
    if (!listed && ids.has(category)) return category;
    if (listed || checked) {
      const expected = listed
        ? `a category id listed in the categories of ${file}`
        : `a category id listed in the ground truth's categories (${context.groundTruthFile})`;
      problems.report({ ...entryPlace(parsed, entry, index, 'category'), value: category, expected });
      return null;
    }

    // No names anywhere: the id names itself; ground truth is expected to have names, so say so once.
    if (groundTruth && !namedAfterIds) {
      namedAfterIds = true;
      const expected = 'a list of categories naming the ids (ids are used as names)';
      problems.report({ file, field: parsed.lists?.categories, expected }, 'warning');
    }
    const added = add({ id: category, name: String(category) });
    ownIds.set(category, added);
    return added;
  };
}

/** Appends a class, keeping its id unless another class has it, and its name unless taken. */
function addCategory(dataset: Dataset, category: { name: string; id?: number }): Category {
  const { categories } = dataset;
  const taken = category.id === undefined || categories.some((existing) => existing.id === category.id);
  const id = taken ? categories.reduce((max, existing) => Math.max(max, existing.id + 1), 0) : category.id!;
  let name = category.name;
  for (let n = 2; categories.some((existing) => existing.name === name); n++)
    name = `${category.name} (${n})`;

  const added = { id, name };
  categories.push(added);
  return added;
}
