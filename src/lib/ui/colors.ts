import { color, schemeTableau10 } from 'd3';

/** Colour of a category, by its position in `dataset.categories` (stable for a dataset). */
export function categoryColor(position: number): string {
  return schemeTableau10[((position % 10) + 10) % 10];
}

/** A lighter version of a colour, for boxes that must stand out (highlighted samples). */
export function brighter(value: string): string {
  return color(value)?.brighter(0.9).formatHex() ?? value;
}
