#!/usr/bin/env node
/**
 * Writes `<folder>/index.json`, the file listing a same-origin folder needs to open in Longtail
 * (`?folder=/path/` or the demo button): every file's relative path and size, sorted, hidden files
 * left out. Usage: `node scripts/list-folder.mjs public/demo`.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/list-folder.mjs <folder>');
  process.exit(2);
}

const listing = readdirSync(root, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
  .filter((path) => path !== 'index.json' && !path.split('/').some((part) => part.startsWith('.')))
  .sort()
  .map((path) => ({ path, size: statSync(join(root, path)).size }));

writeFileSync(join(root, 'index.json'), JSON.stringify(listing));
console.log(`${root}/index.json: ${listing.length} files`);
