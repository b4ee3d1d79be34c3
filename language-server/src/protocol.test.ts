import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import * as protocol from './protocol';

const root = path.join(__dirname, '..');
const doc = fs.readFileSync(path.join(root, 'PROTOCOL.md'), 'utf8');
const source = fs.readFileSync(path.join(root, 'src', 'protocol.ts'), 'utf8');
/** The wire types of the HTTP routes, which protocol.ts lists from core/model. */
const core = path.join(root, '..', 'core', 'src');
const httpTypes = fs.readFileSync(path.join(core, 'model', 'cellsHttp.ts'), 'utf8');
const cellRoutes = fs.readFileSync(path.join(core, 'server', 'routes', 'cells.ts'), 'utf8');

/** A method's kind and types as the doc writes them: `Request · params: X · result: Y`. */
function signature(kind: string, params: string, result?: string): string {
  return result === undefined
    ? `${kind} · params: ${params}`
    : `${kind} · params: ${params} · result: ${result}`;
}

/**
 * Methods declared in protocol.ts, from its `new RequestType<P, R, E>('method')` constants, and
 * HTTP routes, from its `new HttpRoute<B, A>('VERB', 'path')` constants (keyed `VERB path`).
 */
function sourceMethods(): Map<string, string> {
  const methods = new Map<string, string>();
  const route = /new HttpRoute<([^>]*)>\(\s*'(GET|POST)',\s*'([^']+)'/g;
  for (const [, args, verb, routePath] of source.matchAll(route)) {
    const [body, answer] = args!.split(',').map((t) => t.trim());
    methods.set(`${verb} ${routePath}`, `HTTP · body: \`${body}\` · answer: \`${answer}\``);
  }
  const declaration = /new (RequestType0|RequestType|NotificationType)<([^>]*)>\(\s*'([^']+)'/g;
  for (const [, kind, args, method] of source.matchAll(declaration)) {
    const types = args!.split(',').map((t) => t.trim());
    const shown = (t: string | undefined) => (t === undefined ? 'none' : `\`${t}\``);
    methods.set(
      method!,
      kind === 'NotificationType'
        ? signature('Notification', shown(types[0]))
        : kind === 'RequestType0'
          ? signature('Request', 'none', shown(types[0]))
          : signature('Request', shown(types[0]), shown(types[1])),
    );
  }
  return methods;
}

/** Methods documented in PROTOCOL.md: a `### \`method\`` heading, then its signature line. */
function docMethods(): Map<string, string> {
  const methods = new Map<string, string>();
  for (const [, method, line] of doc.matchAll(/^### `([^`]+)`\n\n(.*)$/gm)) {
    methods.set(method!, line!.trim());
  }
  return methods;
}

const withoutComments = (text: string): string =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/** `interface Name { field?: type; ... }` and `type Name = ...;`, normalised, by name. */
function declarations(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const clean = withoutComments(text);
  for (const [, name, body] of clean.matchAll(/interface (\w+) \{([^}]*)\}/g)) {
    const fields = body!
      .split(';')
      .map((f) => f.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    found.set(name!, fields.join('; '));
  }
  for (const [, name, value] of clean.matchAll(/^(?:export )?type (\w+) = ([^;]+);/gm)) {
    found.set(name!, value!.replace(/\s+/g, ' ').trim());
  }
  return found;
}

/** The ```ts blocks of the doc. */
const docCode = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');

describe('protocol', () => {
  it('names every method sextant/<area>/<verb> and exports each as a constant', () => {
    const exported = Object.values(protocol as Record<string, unknown>)
      .flatMap((value) =>
        value instanceof RequestType ||
        value instanceof RequestType0 ||
        value instanceof NotificationType
          ? [value.method]
          : [],
      )
      .sort();
    const rpc = [...sourceMethods().keys()].filter((m) => m.startsWith('sextant/'));
    assert.deepEqual(exported, rpc.sort());
    for (const method of exported) assert.match(method, /^sextant\/[a-z]+\/[a-z][A-Za-z]*$/);
    const routes = Object.values(protocol as Record<string, unknown>).filter(
      (value): value is protocol.HttpRoute<unknown, unknown> => value instanceof protocol.HttpRoute,
    );
    for (const { path: route } of routes)
      assert.match(route, /^\/api\/2\.0\/sextant\/[a-z]+\/[a-z]+$/);
  });

  it('is documented in PROTOCOL.md: the same methods, kinds, params and results', () => {
    assert.deepEqual(
      Object.fromEntries([...docMethods()].sort()),
      Object.fromEntries([...sourceMethods()].sort()),
    );
  });

  it('has every interface and type of protocol.ts in PROTOCOL.md, field for field', () => {
    const documented = declarations(docCode);
    const declared = declarations(`${source}\n${httpTypes}`);
    for (const [name, shape] of declared) {
      assert.equal(documented.get(name), shape, `PROTOCOL.md's ${name} differs from the code`);
    }
    for (const name of documented.keys()) {
      assert.ok(declared.has(name), `PROTOCOL.md documents ${name}, which protocol.ts lacks`);
    }
  });

  it('lists every HTTP route that core serves under /api/2.0/sextant, and only those', () => {
    const listed = [...sourceMethods().keys()].filter((m) => m.includes(' /api/'));
    const served = [...cellRoutes.matchAll(/'(GET|POST)',\s*'(\/[^']+)'/g)].map(
      ([, verb, route]) => `${verb} /api/2.0/sextant${route}`,
    );
    assert.deepEqual(listed.sort(), served.sort());
  });

  it('loads nothing but vscode-jsonrpc at run time, so browsers can bundle it', () => {
    const emitted = fs.readFileSync(path.join(__dirname, 'protocol.js'), 'utf8');
    const required = [...emitted.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.deepEqual(required, ['vscode-jsonrpc']);
  });
});
