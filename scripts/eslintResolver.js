'use strict';
// An import resolver for eslint-plugin-import: in TypeScript sources a relative specifier
// ending in `.js` (as on-demand `import('../server/index.js')` calls write it, Node16 style)
// names the `.ts` file beside it, so the import/no-restricted-paths fences see those too.
const fs = require('node:fs');
const path = require('node:path');

exports.interfaceVersion = 2;

exports.resolve = function resolve(source, file) {
  if (!source.startsWith('.') || !source.endsWith('.js')) return { found: false };
  const ts = path.resolve(path.dirname(file), `${source.slice(0, -'.js'.length)}.ts`);
  return fs.existsSync(ts) ? { found: true, path: ts } : { found: false };
};
