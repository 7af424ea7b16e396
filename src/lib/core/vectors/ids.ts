/**
 * The id list that travels with a bare matrix (`.npy`): one relative image path per row, in row
 * order, as a text file (a path per line) or a JSON array of strings.
 */
import { DataError } from '../errors';
import { extensionOf } from '../imagePaths';

/** Reads the ids of `file` (`.json`: an array of strings; anything else: one id per line). */
export function parseIdList(file: string, text: string): string[] {
  const body = text.replace(/^\uFEFF/, '');
  return extensionOf(file) === 'json' ? parseJsonIds(file, body) : parseLineIds(file, body);
}

function parseJsonIds(file: string, text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DataError({ file, expected: 'a JSON array of image paths' }, { cause: error });
  }
  if (!Array.isArray(parsed))
    throw new DataError({ file, value: parsed, expected: 'a JSON array of image paths' });

  parsed.forEach((id, index) => {
    if (typeof id !== 'string' || id.trim() === '')
      throw new DataError({
        file,
        field: `[${index}]`,
        value: id,
        expected: 'an image path (a non-empty string)',
      });
  });
  return (parsed as string[]).map((id) => id.trim());
}

function parseLineIds(file: string, text: string): string[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim());

  // A final newline (or several) ends the list; a blank line inside it would shift every later row.
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  if (blank >= 0)
    throw new DataError({
      file,
      line: blank + 1,
      expected: 'one image path per line (a blank line would pair every later path with the wrong vector)',
    });
  return lines;
}
