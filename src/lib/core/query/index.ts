/** The query language of the query bar: syntax tree and printer, parser, evaluation, completion. */
export * from './ast';
export * from './parse';
export * from './evaluate';
export * from './complete';
