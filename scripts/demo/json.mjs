/**
 * JSON layout for the demo's files: one record per line inside each top-level list, so the files stay
 * compact enough to ship and still diff line by line. `JSON.stringify` prints numbers the same way in
 * every engine, so the bytes depend only on the values.
 */

/**
 * Formats an object whose values are scalars, small objects or lists of records.
 * @param {Record<string, unknown>} document
 * @returns {string} with a trailing newline
 */
export function formatDocument(document) {
  const fields = Object.entries(document).map(
    ([key, value]) => `  ${JSON.stringify(key)}: ${formatValue(value)}`,
  );
  return `{\n${fields.join(',\n')}\n}\n`;
}

/**
 * Formats a list of records, one per line.
 * @param {unknown[]} records
 */
export function formatList(records) {
  return records.length === 0
    ? '[]\n'
    : `[\n${records.map((record) => `  ${JSON.stringify(record)}`).join(',\n')}\n]\n`;
}

function formatValue(value) {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isRecord)) return JSON.stringify(value);
  return `[\n${value.map((record) => `    ${JSON.stringify(record)}`).join(',\n')}\n  ]`;
}

function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
