import { describe, expect, it, vi } from 'vitest';
import {
  clipModelFiles,
  describeDownload,
  downloadSize,
  formatBytes,
  KNOWN_SIZES,
} from '../../../src/lib/models/downloadSize';
import { CLIP_VIT_B32_SOURCE } from '../../../src/lib/models/modelSource';

/** A fetch answering HEAD requests with the given headers per file name (the URL's last segments). */
function headFetch(headersOf: (file: string) => Record<string, string> | 'fail' | 404) {
  return vi.fn<typeof fetch>(async (input, init) => {
    expect(init?.method).toBe('HEAD');
    const file = String(input).split('/resolve/')[1].split('/').slice(1).join('/');
    const answer = headersOf(file);
    if (answer === 'fail') throw new TypeError('network error');
    if (answer === 404) return new Response(null, { status: 404 });
    return new Response(null, { status: 200, headers: answer });
  });
}

describe('formatBytes', () => {
  it('uses decimal units like the hub, three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(12_345)).toBe('12.3 kB');
    expect(formatBytes(605_300_000)).toBe('605 MB');
    expect(formatBytes(999_600)).toBe('1.0 MB');
    expect(formatBytes(1_234_000_000)).toBe('1.2 GB');
  });

  it('rejects a negative or non-finite count', () => {
    expect(() => formatBytes(-1)).toThrow(/invalid byte count -1/);
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError);
  });
});

describe('downloadSize', () => {
  it("takes the default model's size from the table, without a request", async () => {
    const fetchImpl = vi.fn<typeof fetch>();
    const size = await downloadSize(CLIP_VIT_B32_SOURCE, 'fp32', fetchImpl);
    // 87,849,216 + 63,428,096 parameters at 4 bytes, plus about 0.1 MB of graph per file.
    expect(size.bytes).toBeGreaterThan((87_849_216 + 63_428_096) * 4);
    expect(size.bytes).toBeLessThan((87_849_216 + 63_428_096) * 4 + 400_000);
    expect(size).toMatchObject({ exact: false, unknown: [] });
    expect(fetchImpl).not.toHaveBeenCalled();
    expect(describeDownload(size)).toMatch(/^Downloads about 605 MB of model files .* No image/);
  });

  it('asks the hub with HEAD for a model or precision not in the table, and sums what it says', async () => {
    expect(KNOWN_SIZES['Xenova/clip-vit-base-patch32@main'].q8).toBeUndefined();
    const sizes: Record<string, number> = {
      'config.json': 4_000,
      'preprocessor_config.json': 500,
      'tokenizer.json': 2_200_000,
      'tokenizer_config.json': 700,
      'onnx/vision_model_quantized.onnx': 88_800_000,
      'onnx/text_model_quantized.onnx': 64_600_000,
    };
    // Weight files answer with the redirect's x-linked-size, small files with content-length.
    const fetchImpl = headFetch((file): Record<string, string> =>
      file.endsWith('.onnx')
        ? { 'x-linked-size': String(sizes[file]), 'content-length': '1234' }
        : { 'content-length': String(sizes[file]) },
    );
    const size = await downloadSize({ kind: 'hub', id: 'Xenova/clip-vit-base-patch32' }, 'q8', fetchImpl);
    expect(size).toEqual({ bytes: 155_605_200, exact: true, unknown: [] });
    expect(fetchImpl).toHaveBeenCalledTimes(clipModelFiles('q8').length);
    expect(fetchImpl.mock.calls[0][0]).toBe(
      'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/config.json',
    );
    expect(describeDownload(size)).toMatch(/^Downloads 156 MB of model files/);
  });

  it('pins the revision in the URL and names the files whose size it could not learn', async () => {
    const fetchImpl = headFetch((file) =>
      file === 'onnx/text_model.onnx'
        ? 'fail'
        : file === 'tokenizer_config.json'
          ? 404
          : { 'content-length': '1000000' },
    );
    const source = { kind: 'hub', id: 'someone/clip-large', revision: 'abc123' } as const;
    const size = await downloadSize(source, 'fp32', fetchImpl);
    expect(size).toEqual({
      bytes: 4_000_000,
      exact: false,
      unknown: ['tokenizer_config.json', 'onnx/text_model.onnx'],
    });
    expect(String(fetchImpl.mock.calls[0][0])).toContain('/someone/clip-large/resolve/abc123/');
    expect(describeDownload(size)).toMatch(
      /^Downloads about 4\.0 MB \(not counting tokenizer_config\.json, onnx\/text_model\.onnx\) of model files/,
    );
  });

  it('says the amount is unknown when the hub cannot be reached at all', async () => {
    const size = await downloadSize(
      { kind: 'hub', id: 'someone/clip' },
      'fp16',
      headFetch(() => 'fail'),
    );
    expect(size.bytes).toBe(0);
    expect(describeDownload(size)).toMatch(/^Downloads an unknown amount of model files/);
  });
});
