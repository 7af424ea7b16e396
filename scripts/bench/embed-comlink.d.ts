// comlink ships types for its Node adapter as node-adapter.d.ts, but Node needs the .mjs file name.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}
