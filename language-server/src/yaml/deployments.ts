import {
  deploymentProblems,
  readDeploymentSchema,
  REGISTRY_LIMITS,
  type Engine,
  type ModelVersion,
} from '@sextant/core';
import fs from 'node:fs';
import path from 'node:path';
import {
  CompletionItemKind,
  DiagnosticSeverity,
  MarkupKind,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type Hover,
  type Location,
  type Position,
  type Range,
} from 'vscode-languageserver/node';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { keyMetricOf, listEvaluations } from '../handlers/evaluationData';
import { cursorContext } from './context';
import { uriOf } from './documents';

/** The commands of the code lenses above each deployment; the IDE clients register them. */
export const DEPLOYMENT_COMMANDS = {
  up: 'sextant.deployments.up',
  sendTestRequest: 'sextant.deployments.sendTestRequest',
  openDashboard: 'sextant.deployments.openDashboard',
} as const;

const MODEL_URI = /models:\/([^/@\s'"]+)(?:@([A-Za-z0-9_-]+)|\/(\d+))?/;

interface Parsed {
  lines: LineCounter;
  /** The `deployments:` pair of the document, when it has one. */
  pair?: Pair<Node, Node | null>;
  /** The section as plain data. */
  data: unknown;
}

function parse(text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  const top = doc.contents;
  if (!isMap(top)) return { lines, data: undefined };
  const pair = (top as YAMLMap<Node, Node | null>).items.find(
    (p) => isScalar(p.key) && p.key.value === 'deployments',
  );
  return {
    lines,
    ...(pair ? { pair } : {}),
    data: pair?.value ? (pair.value.toJSON() as unknown) : undefined,
  };
}

function rangeOf(lines: LineCounter, node: Node | null | undefined): Range | undefined {
  if (!node?.range) return undefined;
  const [start, end] = node.range;
  const from = lines.linePos(start);
  const to = lines.linePos(end);
  return {
    start: { line: from.line - 1, character: from.col - 1 },
    end: { line: to.line - 1, character: to.col - 1 },
  };
}

/** The key and value nodes at a path below the section (the section's own pair for `[]`). */
function nodesAt(
  parsed: Parsed,
  where: readonly (string | number)[],
): { key?: Node; value?: Node | null } {
  let key: Node | undefined = parsed.pair?.key;
  let value: Node | null | undefined = parsed.pair?.value;
  for (const part of where) {
    if (typeof part === 'number' && isSeq(value)) {
      const item = value.items[part] as Node | undefined;
      if (!item) break;
      key = item;
      value = item;
    } else if (isMap(value)) {
      const found = (value as YAMLMap<Node, Node | null>).items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(part),
      );
      if (!found) break;
      key = found.key;
      value = found.value;
    } else {
      break;
    }
  }
  return { ...(key ? { key } : {}), value };
}

/** The deployments and their key ranges, in document order. */
function deploymentsOf(parsed: Parsed): { name: string; range: Range }[] {
  const section = parsed.pair?.value;
  if (!isMap(section)) return [];
  return (section as YAMLMap<Node, Node | null>).items.flatMap((p) => {
    const range = rangeOf(parsed.lines, p.key);
    return isScalar(p.key) && range ? [{ name: String(p.key.value), range }] : [];
  });
}

/**
 * Diagnostics of the `deployments:` section from core's deployment spec rules, each on the node
 * it is about (an unknown field on its key, a bad value on the value).
 */
export function deploymentDiagnostics(text: string): Diagnostic[] {
  const parsed = parse(text);
  if (!parsed.pair) return [];
  return deploymentProblems(parsed.data ?? {}).map((problem) => {
    const { key, value } = nodesAt(parsed, problem.path);
    const onKey = problem.message.startsWith('unknown field') || !isScalar(value);
    const range = rangeOf(parsed.lines, onKey ? (key ?? value) : value) ??
      rangeOf(parsed.lines, parsed.pair?.key) ?? {
        start: { line: 0, character: 0 },
        end: { line: 0, character: 0 },
      };
    return {
      range,
      severity: DiagnosticSeverity.Error,
      source: 'sextant',
      message: problem.message,
    };
  });
}

/** "Deploy", "Send test request" and "Open dashboard" above each deployment. */
export function deploymentCodeLenses(text: string, uri: string): CodeLens[] {
  return deploymentsOf(parse(text)).flatMap(({ name, range }) => [
    {
      range,
      command: { title: 'Deploy', command: DEPLOYMENT_COMMANDS.up, arguments: [{ uri, name }] },
    },
    {
      range,
      command: {
        title: 'Send test request',
        command: DEPLOYMENT_COMMANDS.sendTestRequest,
        arguments: [{ uri, name }],
      },
    },
    {
      range,
      command: {
        title: 'Open dashboard',
        command: DEPLOYMENT_COMMANDS.openDashboard,
        arguments: [{ name }],
      },
    },
  ]);
}

/** Whether a position is inside the `deployments:` section (its key included). */
export function inDeployments(text: string, position: Position): boolean {
  return cursorContext(text, position.line, position.character).path[0] === 'deployments';
}

interface SchemaNode {
  description?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  items?: SchemaNode;
  $ref?: string;
}

/** The schema of what sits at `keys` (below `deployments`, deployment names left out). */
function schemaAt(keys: readonly string[]): SchemaNode | undefined {
  const schema = readDeploymentSchema() as { definitions: Record<string, SchemaNode> };
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined =>
    node?.$ref ? schema.definitions[node.$ref.split('/').pop() as string] : node;
  let node = resolve(schema.definitions.deployment);
  for (const key of keys) {
    const property = resolve(node?.properties?.[key]);
    const object = property?.oneOf?.find((o) => o.properties) ?? property;
    node = resolve(object?.items) ?? object;
    if (!node) return undefined;
  }
  return node;
}

/** Completion items in the `deployments:` section: field names, enum values and model URIs. */
export async function deploymentCompletion(
  text: string,
  position: Position,
  engine: Engine | undefined,
): Promise<CompletionItem[]> {
  const { path: keys, word, atKey } = cursorContext(text, position.line, position.character);
  if (keys[0] !== 'deployments' || keys.length < 2) return [];
  const below = keys.slice(2);
  const replace: Range = {
    start: { line: position.line, character: position.character - word.length },
    end: position,
  };
  const item = (
    label: string,
    kind: CompletionItemKind,
    detail: string,
    newText = label,
  ): CompletionItem => ({
    label,
    kind,
    ...(detail ? { detail } : {}),
    filterText: newText,
    textEdit: { range: replace, newText },
  });
  if (atKey) {
    const node = schemaAt(below);
    return Object.entries(node?.properties ?? {}).map(([name, p]) =>
      item(name, CompletionItemKind.Field, p.description ?? '', `${name}: `),
    );
  }
  const field = below.at(-1);
  if (field === 'model') return engine ? modelItems(engine, word, item) : [];
  const node = schemaAt(below);
  return (node?.enum ?? []).map((value) =>
    item(String(value), CompletionItemKind.EnumMember, node?.description ?? ''),
  );
}

type ItemOf = (
  label: string,
  kind: CompletionItemKind,
  detail: string,
  newText?: string,
) => CompletionItem;

/**
 * Model URIs of the registry: `models:/<name>@<alias>` for every alias and the newest
 * `models:/<name>/<version>` of each model; once `models:/<name>/` is typed, every version.
 */
async function modelItems(engine: Engine, word: string, item: ItemOf): Promise<CompletionItem[]> {
  const typedModel = /^models:\/([^/@]+)\/\d*$/.exec(word)?.[1];
  if (typedModel) {
    const page = await engine.registry
      .searchVersions({
        filter: `name = '${typedModel.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
        orderBy: ['version_number DESC'],
        maxResults: REGISTRY_LIMITS.versionsPageDefault,
      })
      .catch(() => ({ items: [] as ModelVersion[] }));
    return page.items.map((v) =>
      item(`models:/${v.name}/${v.version}`, CompletionItemKind.Value, versionDetail(v)),
    );
  }
  const models = await engine.registry.searchModels({ maxResults: REGISTRY_LIMITS.modelsPageMax });
  return models.items.flatMap((model) => {
    const newest = model.latestVersions
      .map((v) => Number(v.version))
      .reduce((max, v) => Math.max(max, v), 0);
    return [
      ...model.aliases.map((a) =>
        item(
          `models:/${model.name}@${a.alias}`,
          CompletionItemKind.Value,
          `${model.name} version ${a.version}`,
        ),
      ),
      ...(newest > 0
        ? [
            item(
              `models:/${model.name}/${newest}`,
              CompletionItemKind.Value,
              `${model.name}, newest version`,
            ),
          ]
        : []),
    ];
  });
}

const versionDetail = (v: ModelVersion): string =>
  [
    `version ${v.version}`,
    v.aliases.length > 0 ? `@${v.aliases.join(', @')}` : '',
    v.currentStage !== 'None' ? v.currentStage : '',
    v.status,
  ]
    .filter(Boolean)
    .join(' · ');

/** The model URI under the cursor in the section, with its range. */
function modelUriAt(
  text: string,
  position: Position,
): { uri: string; name: string; alias?: string; version?: string; range: Range } | undefined {
  const context = cursorContext(text, position.line, position.character);
  if (context.path[0] !== 'deployments' || context.path.at(-1) !== 'model') return undefined;
  const line = text.split(/\r?\n/)[position.line] ?? '';
  const match = MODEL_URI.exec(line);
  if (!match) return undefined;
  const start = match.index;
  const end = start + match[0].length;
  if (position.character < start || position.character > end) return undefined;
  return {
    uri: match[0],
    name: match[1] as string,
    ...(match[2] ? { alias: match[2] } : {}),
    ...(match[3] ? { version: match[3] } : {}),
    range: {
      start: { line: position.line, character: start },
      end: { line: position.line, character: end },
    },
  };
}

/** Hover on a model URI: the version it resolves to, its aliases, stage, status and key metric. */
export async function deploymentHover(
  text: string,
  position: Position,
  engine: Engine | undefined,
): Promise<Hover | null> {
  const at = modelUriAt(text, position);
  if (!at || !engine) return null;
  let version: ModelVersion;
  try {
    version =
      at.alias !== undefined
        ? await engine.registry.getVersionByAlias(at.name, at.alias)
        : await engine.registry.getVersion(at.name, at.version ?? '');
  } catch (error) {
    return {
      range: at.range,
      contents: {
        kind: MarkupKind.Markdown,
        value: `**${at.uri}**\n\nNot in this workspace's registry: ${(error as Error).message}`,
      },
    };
  }
  const evaluations = await listEvaluations(engine, {
    name: version.name,
    version: version.version,
  }).catch(() => []);
  const metric = keyMetricOf(evaluations);
  const lines = [
    `**${version.name}** version ${version.version}${at.alias ? ` (\`@${at.alias}\`)` : ''}`,
    '',
    `- aliases: ${version.aliases.length > 0 ? version.aliases.map((a) => `\`@${a}\``).join(', ') : 'none'}`,
    `- status: ${version.status}${version.currentStage !== 'None' ? ` · stage ${version.currentStage}` : ''}`,
    `- key metric: ${metric ? `${metric.key} = ${Number(metric.value.toPrecision(6))}${metric.evalSet ? ` on ${metric.evalSet}` : ''}` : 'not evaluated'}`,
    ...(version.runId ? [`- run: \`${version.runId}\``] : []),
  ];
  return { range: at.range, contents: { kind: MarkupKind.Markdown, value: lines.join('\n') } };
}

/** Go to definition on a model URI: its version's MLmodel file, when the store is on this disk. */
export async function deploymentDefinition(
  text: string,
  position: Position,
  engine: Engine | undefined,
): Promise<Location | null> {
  const at = modelUriAt(text, position);
  if (!at || !engine || (at.alias === undefined && at.version === undefined)) return null;
  try {
    const resolved = await engine.registry.resolveModelUri(at.uri);
    const file = path.join(engine.artifacts.root, resolved.relativePath, 'MLmodel');
    if (!fs.statSync(file).isFile()) return null;
    const start = { line: 0, character: 0 };
    return { uri: uriOf(file), range: { start, end: start } };
  } catch {
    return null;
  }
}
