/**
 * Reading users' XML files (Pascal VOC, CVAT) so that a syntax error says where it is, and an element
 * can say on which line it starts. fast-xml-parser does the parsing because Web Workers have no
 * DOMParser; its output is plain objects, which the small accessors below make safe to walk.
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DataError, isAbort } from '../errors';
import type { FolderReader } from './types';
import { filesWithExtension } from './folderFiles';

/**
 * An element as fast-xml-parser returns it: child elements by tag name (one object, or an array for
 * repeated tags), attributes under `@name`, text under `#text`.
 */
export type XmlElement = { [key: string]: unknown };

/** A parsed XML file. */
export interface XmlDocument {
  /** Tag name of the root element, e.g. `annotation`. */
  rootName: string;
  root: XmlElement;
  /** 1-based line where an element's start tag is, when the parser recorded it. */
  lineOf(element: XmlElement): number | undefined;
}

const ATTRIBUTE_PREFIX = '@';
// Typed `Symbol` (the wrapper) by the library; it is a plain symbol at run time.
const METADATA = XMLParser.getMetaDataSymbol() as unknown as symbol;

/**
 * Parses `text` as XML.
 *
 * @param text - the file's contents.
 * @param file - relative path of the file, named in any error.
 * @param arrayTags - tags that may repeat; they always come back as arrays, even when there is one.
 * @returns the root element and a way to find the line of any element with children or attributes.
 * @throws DataError naming the file, with the line and a `column N` field of the first syntax error,
 *   when the text is not well-formed XML (a truncated file, an unclosed tag) or has no root element.
 */
export function parseXmlFile(text: string, file: string, arrayTags: readonly string[]): XmlDocument {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;

  if (body.trim() === '') {
    throw new DataError({ file, value: '(empty file)', expected: 'an XML document with a root element' });
  }

  // The parser is lenient (a truncated file parses to half a tree), so validate first.
  const verdict = XMLValidator.validate(body);
  if (verdict !== true) {
    const { line, col, msg } = verdict.err;
    const field = typeof col === 'number' ? `column ${col}` : undefined;
    throw new DataError({ file, line, field, value: msg, expected: 'well-formed XML' });
  }

  const repeated = new Set(arrayTags);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    // Keep text as written: class names like `007` must stay strings; numbers are checked here.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    captureMetaData: true,
    isArray: (tagName, _path, _isLeaf, isAttribute) => !isAttribute && repeated.has(tagName),
  });
  const parsed = parser.parse(body) as XmlElement;

  const rootName = Object.keys(parsed).find((key) => !key.startsWith('?') && !key.startsWith('#'));
  if (rootName === undefined) {
    throw new DataError({ file, value: shortStart(body), expected: 'an XML document with a root element' });
  }
  const rootValue = parsed[rootName];
  const root = asElement(Array.isArray(rootValue) ? rootValue[0] : rootValue);
  return { rootName, root, lineOf: lineLocator(body) };
}

/** The child elements named `name` (none, one or many), as elements. */
export function childElements(element: XmlElement, name: string): XmlElement[] {
  const value = element[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(asElement);
}

/** The first child element named `name`, or undefined. */
export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  return childElements(element, name)[0];
}

/**
 * The text of the first child element named `name`, trimmed: `''` for an empty element such as
 * `<difficult/>`, undefined when there is no such child.
 */
export function childText(element: XmlElement, name: string): string | undefined {
  const child = childElement(element, name);
  return child === undefined ? undefined : textOf(child);
}

/** An element's own text, trimmed (`''` when it has none). */
export function textOf(element: XmlElement): string {
  const text = element['#text'];
  return typeof text === 'string' ? text : text === undefined ? '' : String(text);
}

/** An attribute's value as written, or undefined when the element lacks it. */
export function attributeOf(element: XmlElement, name: string): string | undefined {
  const value = element[ATTRIBUTE_PREFIX + name];
  return value === undefined ? undefined : String(value);
}

/** Where the parser saw an element start (a character offset), for keeping document order. */
export function startOffsetOf(element: XmlElement): number | undefined {
  const metadata = (element as { [key: symbol]: unknown })[METADATA] as { startIndex?: number } | undefined;
  return metadata?.startIndex;
}

/**
 * Reads a decimal number as written in XML text or an attribute (`174`, `174.00`, `-1.5e2`).
 *
 * @returns the number, or null for an empty, non-numeric or non-finite value. `Number('')` is 0,
 *   which would turn an empty `<xmin/>` into a box at the origin, so the text is matched first.
 */
export function parseDecimal(text: string | undefined): number | null {
  if (text === undefined || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * Names the root element of a document from its first characters, skipping the XML declaration,
 * comments and a doctype.
 *
 * @returns the root tag name, or null when the start is not XML or the root lies beyond `head`.
 */
export function sniffXmlRoot(head: string): string | null {
  const prolog = /^(?:\uFEFF|\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)*/;
  const rest = head.slice(prolog.exec(head)![0].length);
  return /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1] ?? null;
}

/** Bytes read from each XML file to name its root: enough for a declaration, comments and a few tags. */
const HEAD_BYTES = 4096;

const headsByFolderReader = new WeakMap<FolderReader, Promise<Map<string, XmlHead>>>();

/** What the first bytes of an XML file show. */
export interface XmlHead {
  /** Root tag name, or null when the file does not start like XML. */
  root: string | null;
  /** The first characters of the file (up to a few kilobytes), for a cheaper second look. */
  head: string;
}

/**
 * The root element of the folder's `.xml` files, read from their first bytes. Within each folder
 * the first and last files are read; when they have the same root the others are taken to share it
 * (a VOC folder holds thousands of files, and reading them all would only confirm it), and when
 * they differ every file of that folder is read. Results are cached per folder reader, so VOC and
 * CVAT detection read each file once.
 *
 * @returns path → what its head shows, for the files read; paths of the unread files of a uniform
 *   folder map to their folder's sample (same `root`, the sample's `head`).
 */
export function xmlHeads(folder: FolderReader): Promise<Map<string, XmlHead>> {
  let heads = headsByFolderReader.get(folder);
  if (!heads) {
    heads = readXmlHeads(folder);
    headsByFolderReader.set(folder, heads);
    // A cancelled survey must not answer the next one.
    heads.catch(() => headsByFolderReader.delete(folder));
  }
  return heads;
}

async function readXmlHeads(folder: FolderReader): Promise<Map<string, XmlHead>> {
  const heads = new Map<string, XmlHead>();
  const byFolder = new Map<string, string[]>();
  for (const { path, size } of filesWithExtension(folder, 'xml')) {
    // An empty file is no format's (VOC detection reports it), and must not pass for its folder's sample.
    if (size === 0) {
      heads.set(path, { root: null, head: '' });
      continue;
    }
    const parent = parentFolder(path);
    const siblings = byFolder.get(parent);
    if (siblings) siblings.push(path);
    else byFolder.set(parent, [path]);
  }

  for (const paths of byFolder.values()) {
    const first = await readXmlHead(folder, paths[0]);
    const last = paths.length > 1 ? await readXmlHead(folder, paths[paths.length - 1]) : first;
    const uniform = first.root === last.root;
    for (const path of paths) {
      if (path === paths[0]) heads.set(path, first);
      else if (path === paths[paths.length - 1]) heads.set(path, last);
      else heads.set(path, uniform ? first : await readXmlHead(folder, path));
    }
  }
  return heads;
}

async function readXmlHead(folder: FolderReader, path: string): Promise<XmlHead> {
  try {
    const bytes = await folder.readHead(path, HEAD_BYTES);
    const head = new TextDecoder().decode(bytes);
    let root = sniffXmlRoot(head);

    // A root past the first bytes (a long licence comment) needs the whole file.
    if (root === null && bytes.length >= HEAD_BYTES && head.trimStart().startsWith('<')) {
      root = sniffXmlRoot(await folder.readText(path));
    }
    return { root, head };
  } catch (error) {
    if (isAbort(error)) throw error;
    // Unreadable here means unclaimed: no XML format plans it, and nothing else is lost.
    return { root: null, head: '' };
  }
}

/** `a/b/c.xml` → `a/b`; `c.xml` → `''`. */
export function parentFolder(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function asElement(value: unknown): XmlElement {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as XmlElement;
  return { '#text': value === undefined || value === null ? '' : String(value) };
}

/** Offsets of line starts, searched by bisection, so finding a line costs log(lines). */
function lineLocator(text: string): (element: XmlElement) => number | undefined {
  let starts: number[] | null = null;
  return (element) => {
    const offset = startOffsetOf(element);
    if (offset === undefined) return undefined;
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

function shortStart(text: string): string {
  return text.trim().slice(0, 40);
}
