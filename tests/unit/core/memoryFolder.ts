/**
 * An in-memory folder for import tests: each path maps to a file's text (a string), to a value
 * written as JSON (an object or array), or to null for an image that only needs to be listed.
 */

import { makeFolderReader, type FolderFile } from '../../../src/lib/core/importPlan';
import type { FolderReader } from '../../../src/lib/core/formats/types';

export type MemoryContents = Record<string, string | object | null>;

/** A `FolderReader` over `contents`; `readText` of a listed image fails as a real image would. */
export function memoryFolder(contents: MemoryContents): FolderReader {
  const texts = new Map<string, string>();
  const files: FolderFile[] = Object.entries(contents).map(([path, content]) => {
    const text = content === null ? null : typeof content === 'string' ? content : JSON.stringify(content);
    if (text !== null) texts.set(path, text);
    return { path, size: text === null ? 100 : new TextEncoder().encode(text).length };
  });
  const readText = async (path: string) => {
    const text = texts.get(path);
    if (text === undefined) throw new Error(`no text for ${path}`);
    return text;
  };
  const readHead = async (path: string, length: number) =>
    new TextEncoder().encode(texts.get(path) ?? '').slice(0, length);
  return makeFolderReader(files, readText, readHead);
}
