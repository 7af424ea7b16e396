/**
 * Images picked in the gallery as examples: positives (click, shift-click for a range, the card's
 * checkbox) and negatives ("mark as negative"). Similarity search and Autotag start from them.
 */
export class SelectionState {
  positives = $state.raw<ReadonlySet<number>>(new Set());
  negatives = $state.raw<ReadonlySet<number>>(new Set());
  /** The image a shift-click range starts from. */
  private anchor: number | null = null;

  count = $derived(this.positives.size + this.negatives.size);

  /** Whether the image is picked, and as what. */
  stateOf(image: number): 'positive' | 'negative' | null {
    if (this.positives.has(image)) return 'positive';
    return this.negatives.has(image) ? 'negative' : null;
  }

  /**
   * Click on a card's checkbox: toggles the image as a positive; with `range`, picks every image of
   * `order` (the gallery's display order) between the last clicked one and this one.
   */
  toggle(image: number, range = false, order: ArrayLike<number> = []): void {
    if (range && this.anchor !== null) {
      const from = indexOf(order, this.anchor);
      const to = indexOf(order, image);
      if (from >= 0 && to >= 0) {
        const picked = Array.from(order).slice(Math.min(from, to), Math.max(from, to) + 1);
        this.add(picked);
        this.anchor = image;
        return;
      }
    }
    this.anchor = image;
    if (this.positives.has(image) || this.negatives.has(image)) this.remove([image]);
    else this.add([image]);
  }

  /** Adds images as positives (they stop being negatives). */
  add(images: Iterable<number>): void {
    const positives = new Set(this.positives);
    const negatives = new Set(this.negatives);
    for (const image of images) {
      positives.add(image);
      negatives.delete(image);
    }
    this.positives = positives;
    this.negatives = negatives;
  }

  /** Marks images as negatives (they stop being positives). */
  markNegative(images: Iterable<number>): void {
    const positives = new Set(this.positives);
    const negatives = new Set(this.negatives);
    for (const image of images) {
      negatives.add(image);
      positives.delete(image);
    }
    this.positives = positives;
    this.negatives = negatives;
  }

  remove(images: Iterable<number>): void {
    const positives = new Set(this.positives);
    const negatives = new Set(this.negatives);
    for (const image of images) {
      positives.delete(image);
      negatives.delete(image);
    }
    this.positives = positives;
    this.negatives = negatives;
  }

  clear(): void {
    this.positives = new Set();
    this.negatives = new Set();
    this.anchor = null;
  }
}

function indexOf(order: ArrayLike<number>, image: number): number {
  for (let i = 0; i < order.length; i++) if (order[i] === image) return i;
  return -1;
}

export const selectionState = new SelectionState();
