/**
 * What to tell a user whose browser storage is full: how much the rest of the job needs, how much
 * the site may use, what is taking the space, and how to free it. Pure: the caller gathers the
 * numbers (`navigator.storage.estimate()`, `EmbeddingStore.summary()`).
 */
import type { StoredSet } from './embeddingStore';

export interface QuotaShortfall {
  /** What is being embedded, plural: "images", "objects". */
  what: string;
  /** Items not stored yet (the failed batch included). */
  remaining: number;
  /** About how many bytes one stored item takes. */
  bytesPerItem: number;
  /** Items of this job already stored, which stay. */
  stored: number;
  /** From `navigator.storage.estimate()`, when the browser tells. */
  usage?: number;
  quota?: number;
  /** Other folders' and models' stored embeddings, largest first. */
  others: StoredSet[];
}

/** A few sentences: the shortfall, the largest things to clear, and that pressing Embed again resumes. */
export function describeQuotaShortfall(shortfall: QuotaShortfall): string {
  const { what, remaining, bytesPerItem, stored, usage, quota, others } = shortfall;
  const sentences: string[] = [];

  const used =
    usage !== undefined && quota !== undefined
      ? ` (${formatBytes(usage)} of ${formatBytes(quota)} used)`
      : '';
  sentences.push(`the browser's storage for this site is full${used}.`);
  sentences.push(
    `Storing the remaining ${remaining.toLocaleString('en-US')} ${what} needs about ${formatBytes(remaining * bytesPerItem)} more.`,
  );

  const largest = others
    .slice(0, 3)
    .map((set) => `"${set.folder}" under ${set.model} (${formatBytes(set.bytes)})`);
  const clear =
    largest.length > 0 ? `clear stored embeddings you no longer need (largest: ${largest.join('; ')}), ` : '';
  sentences.push(
    `To free space, ${clear}clear other sites' data in the browser's settings, or free disk space (the quota grows with free disk).`,
  );
  sentences.push(
    `Then embed again: the ${stored.toLocaleString('en-US')} ${what} stored so far are kept and only the rest is computed.`,
  );
  return sentences.join(' ');
}

/** Bytes in B, kB, MB or GB (powers of 1000), with up to 3 significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  // Step up while the value, as it would be printed, still reaches 1000 (999.9 kB prints as 1.00 MB).
  while (unit < units.length - 1 && Number(value.toFixed(digitsFor(value, unit))) >= 1000) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(digitsFor(value, unit))} ${units[unit]}`;
}

function digitsFor(value: number, unit: number): number {
  return unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
}
