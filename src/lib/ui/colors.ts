import { schemeTableau10 } from 'd3';

/** Colour of a category, by its position in `dataset.categories` (stable for a dataset). */
export function categoryColor(position: number): string {
  return schemeTableau10[((position % 10) + 10) % 10];
}
