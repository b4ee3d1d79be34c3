import {
  BUILTIN_COMPONENTS,
  DEFAULT_PARAMS_FILE,
  paramKeys,
  readSchema,
  type PipelineFileAnalysis,
} from '@sextant/core/pipelines/definition';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  CompletionItemKind,
  type CompletionItem,
  type Position,
  type Range,
} from 'vscode-languageserver/node';
import { componentOf, type ReadText } from './components';
import { cursorContext } from './context';

/** Folders never offered as paths. */
const HIDDEN = new Set(['node_modules', '.git', '.sextant', '.venv', '__pycache__']);

interface SchemaProperty {
  description?: string;
  enum?: unknown[];
}

/** The properties of the top level or of a definition of the published pipeline schema. */
function propertiesOf(
  where: 'top' | 'pipeline' | 'step' | 'computeTarget',
): Record<string, SchemaProperty> {
  const schema = readSchema('pipeline') as {
    properties: Record<string, SchemaProperty>;
    definitions: Record<string, { properties?: Record<string, SchemaProperty> }>;
  };
  return (where === 'top' ? schema.properties : schema.definitions[where]?.properties) ?? {};
}

/** Field names and descriptions of a definition of the published pipeline schema. */
function fieldsOf(where: 'top' | 'pipeline' | 'step' | 'computeTarget'): [string, string][] {
  return Object.entries(propertiesOf(where))
    .filter(([name]) => name !== '$schema')
    .map(([name, p]) => [name, p.description ?? '']);
}

/** The default params file of the document (its top-level `params:`), absolute. */
function paramsFileOf(text: string, analysis: PipelineFileAnalysis): string {
  const named = /^params:\s*(['"]?)([^'"#\s]+)\1/m.exec(text)?.[2];
  return path.join(analysis.root, named ?? DEFAULT_PARAMS_FILE);
}

/** Completion items at a position of a pipeline file. */
export function complete(
  analysis: PipelineFileAnalysis,
  text: string,
  position: Position,
  read: ReadText,
): CompletionItem[] {
  const context = cursorContext(text, position.line, position.character);
  const { path: keys, word, atKey } = context;
  const replace: Range = {
    start: { line: position.line, character: position.character - word.length },
    end: position,
  };
  const item = (
    label: string,
    kind: CompletionItemKind,
    detail?: string,
    newText = label,
  ): CompletionItem => ({
    label,
    kind,
    ...(detail ? { detail } : {}),
    filterText: newText,
    textEdit: { range: replace, newText },
  });

  const paramsItems = (prefix: string): CompletionItem[] => {
    const file = paramsFileOf(text, analysis);
    const content = read(file);
    if (content === undefined) return [];
    let data: unknown;
    try {
      data = parseYaml(content);
    } catch {
      return [];
    }
    return paramKeys(data).map((key) =>
      item(key, CompletionItemKind.Property, path.relative(analysis.root, file), `${prefix}${key}`),
    );
  };
  if (word.startsWith('${params.')) return paramsItems('${params.');

  const stepsAt = keys.lastIndexOf('steps');
  const pipeline =
    keys[0] === 'pipelines'
      ? analysis.outline.find((p) => !p.topLevel && p.name === keys[1])
      : analysis.outline.find((p) => p.topLevel);
  const stepName = stepsAt >= 0 ? keys[stepsAt + 1] : undefined;
  const field = stepsAt >= 0 ? keys[stepsAt + 2] : undefined;

  if (atKey) {
    if (stepsAt >= 0 && keys.length === stepsAt + 2) {
      return fieldsOf('step').map(([name, doc]) =>
        item(name, CompletionItemKind.Field, doc, `${name}: `),
      );
    }
    if (stepsAt >= 0 && keys.length === stepsAt + 3 && field === 'with' && stepName) {
      const use = pipeline?.steps.find((s) => s.name === stepName)?.use;
      const component = use ? componentOf(analysis, use, read) : undefined;
      if (!component) return [];
      return [
        ...component.inputs.map((i) =>
          item(
            i.name,
            CompletionItemKind.Variable,
            `input: ${i.type}${i.required ? '' : ' (optional)'}${i.description ? ` — ${i.description}` : ''}`,
            `${i.name}: `,
          ),
        ),
        ...component.outputs.map((o) =>
          item(
            o.name,
            CompletionItemKind.Variable,
            `output: ${o.type}${o.description ? ` — ${o.description}` : ''}`,
            `${o.name}: `,
          ),
        ),
      ];
    }
    if (keys.length === 2 && keys[0] === 'pipelines') {
      return fieldsOf('pipeline').map(([name, doc]) =>
        item(name, CompletionItemKind.Field, doc, `${name}: `),
      );
    }
    if (keys.length === 0) {
      return fieldsOf('top').map(([name, doc]) =>
        item(name, CompletionItemKind.Field, doc, `${name}: `),
      );
    }
    if (keys.length === 2 && keys[0] === 'compute') {
      return fieldsOf('computeTarget').map(([name, doc]) =>
        item(name, CompletionItemKind.Field, doc, `${name}: `),
      );
    }
    return [];
  }
  if (keys.length === 3 && keys[0] === 'compute') {
    const property = propertiesOf('computeTarget')[keys[2] as string];
    return (property?.enum ?? []).map((value) =>
      item(String(value), CompletionItemKind.EnumMember, property?.description ?? ''),
    );
  }

  const last = keys.at(-1);
  if (last === 'keys' || (stepsAt >= 0 && field === 'params')) return paramsItems('');
  if (stepsAt < 0 || !stepName || !field) return [];
  switch (field) {
    case 'after':
      return (pipeline?.steps ?? [])
        .filter((s) => s.name !== stepName)
        .map((s) => item(s.name, CompletionItemKind.Function, s.use ? `use ${s.use}` : 'step'));
    case 'use':
      return [
        ...[...BUILTIN_COMPONENTS.values()].map((c) =>
          item(c.name, CompletionItemKind.Module, c.description),
        ),
        ...pathItems(analysis.root, word, item, (name) => /\.ya?ml$/.test(name)),
      ];
    case 'compute':
      return analysis.computeTargets.map((c) =>
        item(c, CompletionItemKind.EnumMember, 'compute target'),
      );
    case 'deps': {
      const outputs = new Map<string, string>();
      for (const ref of analysis.references) {
        if (ref.kind === 'path' && ref.producer && ref.producer.split('@')[0] !== stepName) {
          outputs.set(
            path.relative(analysis.root, ref.target).split(path.sep).join('/'),
            ref.producer,
          );
        }
      }
      const typed = word.replace(/^\.\//, '');
      return [
        ...[...outputs]
          .filter(([p]) => p.startsWith(typed))
          .map(([p, producer]) => item(p, CompletionItemKind.Reference, `output of ${producer}`)),
        ...pathItems(analysis.root, word, item).filter((i) => !outputs.has(i.label)),
      ];
    }
    case 'run':
    case 'outs':
    case 'metrics':
    case 'artifacts':
    case 'wd':
    case 'requirements':
    case 'with':
      return pathItems(analysis.root, word, item);
    default:
      return [];
  }
}

/** Files and folders under the root that complete a path being typed. */
function pathItems(
  root: string,
  word: string,
  item: (
    label: string,
    kind: CompletionItemKind,
    detail?: string,
    newText?: string,
  ) => CompletionItem,
  accept: (name: string) => boolean = () => true,
): CompletionItem[] {
  const typed = word.replace(/^\.\//, '');
  const dot = word.startsWith('./') ? './' : '';
  const dir = typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/') + 1) : '';
  const absolute = path.resolve(root, dir);
  if (absolute !== root && !absolute.startsWith(root + path.sep)) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(absolute, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !HIDDEN.has(e.name) && !e.name.startsWith('.'))
    .filter((e) => e.isDirectory() || accept(e.name))
    .map((e) => {
      const label = `${dir}${e.name}${e.isDirectory() ? '/' : ''}`;
      return item(
        label,
        e.isDirectory() ? CompletionItemKind.Folder : CompletionItemKind.File,
        undefined,
        `${dot}${label}`,
      );
    });
}
