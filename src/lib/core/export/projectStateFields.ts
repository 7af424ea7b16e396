/**
 * Field-by-field validation of a project-state document: a reader that knows the JSON path of the
 * value it holds, so every error names the file, the field, the value found and what was expected.
 */

import type { BoxXYWH } from '../dataset';
import type { BoxRef, Edit, PredictionRef, ReviewTarget } from '../review/edits';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class ProjectStateError extends Error {
  constructor(
    readonly file: string,
    /** JSON path of the bad field, e.g. `$.history.steps[0][2].xywh`. */
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 80);
    super(`${file}: ${field} is ${shown}, expected ${expected}`);
    this.name = 'ProjectStateError';
  }
}

/** A value of the document and where it is. */
export class StateReader {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  static parse(text: string, file: string): StateReader {
    try {
      return new StateReader(file, '$', JSON.parse(text));
    } catch (error) {
      throw new ProjectStateError(file, '$', (error as Error).message, 'a JSON document');
    }
  }

  fail(expected: string): never {
    throw new ProjectStateError(this.file, this.path, this.value, expected);
  }

  has(key: string): boolean {
    return this.object()[key] !== undefined;
  }

  field(key: string): StateReader {
    return new StateReader(this.file, `${this.path}.${key}`, this.object()[key]);
  }

  object(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value))
      this.fail('an object');
    return this.value as Record<string, unknown>;
  }

  array<T>(read: (item: StateReader) => T): T[] {
    if (!Array.isArray(this.value)) this.fail('an array');
    return (this.value as unknown[]).map((item, index) =>
      read(new StateReader(this.file, `${this.path}[${index}]`, item)),
    );
  }

  record<T>(read: (item: StateReader) => T): Record<string, T> {
    const result: Record<string, T> = {};
    for (const key of Object.keys(this.object())) result[key] = read(this.field(key));
    return result;
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail('a string');
    return this.value as string;
  }

  stringOrNull(): string | null {
    return this.value === null ? null : this.string();
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail('a finite number');
    return this.value as number;
  }

  numberOrNull(): number | null {
    return this.value === null ? null : this.number();
  }

  integer(): number {
    if (!Number.isInteger(this.value) || (this.value as number) < 0) this.fail('an integer ≥ 0');
    return this.value as number;
  }

  oneOf<T extends string>(choices: readonly T[]): T {
    if (!choices.includes(this.value as T)) this.fail(`one of ${choices.join(', ')}`);
    return this.value as T;
  }

  /** Any JSON value (checked to be plain data: no undefined, no non-finite numbers). */
  json(): JsonValue {
    const value = this.value;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return this.number();
    if (Array.isArray(value)) return this.array((item) => item.json());
    if (typeof value === 'object') return this.record((item) => item.json());
    this.fail('a JSON value');
  }
}

/** One edit of the history; see `Edit` in `review/edits.ts`. */
export function readEdit(reader: StateReader): Edit {
  const kind = reader
    .field('kind')
    .oneOf(['review', 'setClass', 'deleteBox', 'moveBox', 'addBox', 'comment'] as const);
  const time = reader.has('time') ? { time: reader.field('time').number() } : {};
  switch (kind) {
    case 'review':
      return {
        kind,
        target: readTarget(reader.field('target')),
        decision: reader.field('decision').oneOf(['accepted', 'rejected', 'cleared'] as const),
        ...time,
      };
    case 'comment':
      return {
        kind,
        target: readTarget(reader.field('target')),
        text: reader.field('text').string(),
        ...time,
      };
    case 'deleteBox':
      return { kind, box: readBox(reader.field('box')), ...time };
    case 'moveBox':
      return { kind, box: readBox(reader.field('box')), xywh: readXywh(reader.field('xywh')), ...time };
    case 'setClass': {
      const edit: Edit = {
        kind,
        box: readBox(reader.field('box')),
        categoryId: reader.field('categoryId').number(),
        ...time,
      };
      if (reader.has('from')) edit.from = readPrediction(reader.field('from'));
      return edit;
    }
    case 'addBox': {
      const edit: Edit = {
        kind,
        id: reader.field('id').string(),
        image: reader.field('image').string(),
        categoryId: reader.field('categoryId').number(),
        ...time,
      };
      if (reader.has('xywh')) edit.xywh = readXywh(reader.field('xywh'));
      if (reader.has('from')) edit.from = readPrediction(reader.field('from'));
      return edit;
    }
  }
}

function readTarget(reader: StateReader): ReviewTarget {
  const kind = reader.field('kind').oneOf(['image', 'box'] as const);
  return kind === 'image'
    ? { kind, image: reader.field('image').string() }
    : { kind, box: readBox(reader.field('box')) };
}

function readBox(reader: StateReader): BoxRef {
  const source = reader.field('source').oneOf(['gt', 'added'] as const);
  const image = reader.field('image').string();
  return source === 'gt'
    ? { image, source, index: reader.field('index').integer() }
    : { image, source, id: reader.field('id').string() };
}

function readPrediction(reader: StateReader): PredictionRef {
  return {
    image: reader.field('image').string(),
    run: reader.field('run').string(),
    index: reader.field('index').integer(),
  };
}

/** `[x, y, width, height]` in displayed pixels, width and height ≥ 0. */
function readXywh(reader: StateReader): BoxXYWH {
  const values = reader.array((value) => value.number());
  if (values.length !== 4 || values[2] < 0 || values[3] < 0)
    reader.fail('[x, y, width, height] with width, height ≥ 0 (pixels)');
  return values as BoxXYWH;
}
