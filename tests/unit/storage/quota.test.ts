import { describe, expect, it } from 'vitest';
import { describeQuotaShortfall, formatBytes } from '../../../src/lib/storage/quota';

describe('describeQuotaShortfall', () => {
  it('says how much is needed, what takes the space, how to free it, and that the work so far stays', () => {
    const text = describeQuotaShortfall({
      what: 'images',
      remaining: 8400,
      bytesPerItem: 2200,
      stored: 1600,
      usage: 1_990_000_000,
      quota: 2_000_000_000,
      others: [
        {
          store: 'embeddings',
          folder: 'holiday',
          model: 'hub:Xenova/clip-vit-base-patch32@main/fp32',
          rows: 9,
          bytes: 850_000_000,
        },
        {
          store: 'objectEmbeddings',
          folder: 'scans',
          model: 'local:tiny@1/fp32#margin=0.1',
          rows: 9,
          bytes: 12_300,
        },
      ],
    });
    expect(text).toBe(
      "the browser's storage for this site is full (1.99 GB of 2.00 GB used). " +
        'Storing the remaining 8,400 images needs about 18.5 MB more. ' +
        'To free space, clear stored embeddings you no longer need (largest: "holiday" under ' +
        'hub:Xenova/clip-vit-base-patch32@main/fp32 (850 MB); "scans" under local:tiny@1/fp32#margin=0.1 (12.3 kB)), ' +
        "clear other sites' data in the browser's settings, or free disk space (the quota grows with free disk). " +
        'Then embed again: the 1,600 images stored so far are kept and only the rest is computed.',
    );
  });

  it('leaves out what the browser does not tell, and lists at most three other sets', () => {
    const others = [1, 2, 3, 4].map((n) => ({
      store: 'embeddings' as const,
      folder: `f${n}`,
      model: 'm',
      rows: 1,
      bytes: n,
    }));
    const text = describeQuotaShortfall({
      what: 'objects',
      remaining: 1,
      bytesPerItem: 10,
      stored: 0,
      others,
    });
    expect(text).toContain(
      "the browser's storage for this site is full. Storing the remaining 1 objects needs about 10 B more.",
    );
    expect(text).toContain('"f3" under m');
    expect(text).not.toContain('"f4"');
  });
});

describe('formatBytes', () => {
  it('uses powers of 1000 with three significant digits', () => {
    expect([0, 999, 1000, 12_345, 999_499, 999_999, 5_000_000_000].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.00 kB',
      '12.3 kB',
      '999 kB',
      '1.00 MB',
      '5.00 GB',
    ]);
  });
});
