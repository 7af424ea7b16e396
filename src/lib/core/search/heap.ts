/**
 * A fixed-capacity min-heap on (score, index) held in two typed arrays, for top-k selection without an
 * object per candidate. Its root is the worst kept entry: the lowest score, and among equal scores the
 * highest index, so that a scan in ascending index order keeps the lowest indices on ties.
 */
export class BoundedHeap {
  readonly capacity: number;
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  private count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.scores = new Float64Array(capacity);
    this.indices = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /**
   * The score a new entry must beat to get in: -Infinity while the heap has room. Callers scanning
   * rows in ascending index order may skip any row whose score is not strictly above it.
   */
  get floor(): number {
    return this.count < this.capacity ? -Infinity : this.scores[0];
  }

  /** Keeps (score, index) when the heap has room or it is strictly better than the worst kept entry. */
  offer(score: number, index: number): void {
    if (this.capacity === 0) return;
    if (this.count < this.capacity) {
      this.scores[this.count] = score;
      this.indices[this.count] = index;
      this.siftUp(this.count++);
    } else if (this.worse(0, score, index)) {
      this.scores[0] = score;
      this.indices[0] = index;
      this.siftDown(0);
    }
  }

  /** Empties the heap into arrays, best first: popping the worst fills them from the back. */
  drainDescending(): { indices: Int32Array; scores: Float32Array } {
    const count = this.count;
    const indices = new Int32Array(count);
    const scores = new Float32Array(count);
    for (let slot = count - 1; slot >= 0; slot--) {
      indices[slot] = this.indices[0];
      scores[slot] = this.scores[0];
      this.count--;
      this.scores[0] = this.scores[this.count];
      this.indices[0] = this.indices[this.count];
      this.siftDown(0);
    }
    return { indices, scores };
  }

  /** True when the entry at `position` ranks below (score, index). */
  private worse(position: number, score: number, index: number): boolean {
    const held = this.scores[position];
    return held < score || (held === score && this.indices[position] > index);
  }

  private siftUp(position: number): void {
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!this.worse(position, this.scores[parent], this.indices[parent])) return;
      this.swap(position, parent);
      position = parent;
    }
  }

  private siftDown(position: number): void {
    for (;;) {
      const left = position * 2 + 1;
      const right = left + 1;
      let worst = position;
      if (left < this.count && this.worse(left, this.scores[worst], this.indices[worst])) worst = left;
      if (right < this.count && this.worse(right, this.scores[worst], this.indices[worst])) worst = right;
      if (worst === position) return;
      this.swap(position, worst);
      position = worst;
    }
  }

  private swap(a: number, b: number): void {
    const score = this.scores[a];
    this.scores[a] = this.scores[b];
    this.scores[b] = score;
    const index = this.indices[a];
    this.indices[a] = this.indices[b];
    this.indices[b] = index;
  }
}
