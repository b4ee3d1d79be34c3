import type { ErrorObject, ValidateFunction } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import type { PipelineDiagnostic } from '../../model/pipeline';
import { shippedPath } from './assets';
import { cachedValidator } from './schemaCache';
import type { SourceFile } from './source';

/** Folder of the published JSON Schemas (`core/schemas`, or `schemas/` beside a bundle). */
export const SCHEMA_DIR = shippedPath('schemas');

/** Which published schema a file is checked against. */
export type SchemaName = 'pipeline' | 'component';

const compiled = new Map<SchemaName, ValidateFunction>();

const schemaText = (name: SchemaName): string =>
  fs.readFileSync(path.join(SCHEMA_DIR, `${name}.schema.json`), 'utf8');

/** The published JSON Schema of pipeline or component files, as parsed JSON. */
export function readSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(schemaText(name)) as Record<string, unknown>;
}

/** The schema's validator: compiled once per schema version, then loaded from the OS cache. */
function validator(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = cachedValidator(`${name}.schema`, schemaText(name), {
      allErrors: true,
      allowUnionTypes: true,
    });
    compiled.set(name, validate);
  }
  return validate;
}

const segmentsOf = (pointer: string): string[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

function describe(error: ErrorObject, at: string): string {
  const p = error.params as Record<string, unknown>;
  const where = at ? ` in ${at}` : '';
  const prefix = at ? `${at}: ` : '';
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field '${String(p.additionalProperty)}'${where}`;
    case 'required':
      return `missing field '${String(p.missingProperty)}'${where}`;
    case 'enum':
      return `${prefix}must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'propertyNames':
      return `invalid name '${String(p.propertyName)}'${where}: use letters, digits, '_', '-' and '.'`;
    case 'type':
      return `${prefix}must be ${String(p.type).replace(/,/g, ' or ')}`;
    default:
      return `${prefix}${error.message ?? 'invalid value'}`;
  }
}

/**
 * Validates a parsed YAML file against a published schema; each error becomes a `schema`
 * diagnostic on the YAML node ajv's `instancePath` names (the key of an unknown field, the map
 * that misses a required one).
 */
export function validateAgainstSchema(source: SourceFile, name: SchemaName): PipelineDiagnostic[] {
  const validate = validator(name);
  const data: unknown = source.doc.toJS() ?? {};
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter(
    (e) => e.keyword !== 'if' && e.keyword !== 'oneOf' && e.keyword !== 'anyOf',
  );
  const seen = new Set<string>();
  const diagnostics: PipelineDiagnostic[] = [];
  for (const error of errors) {
    const segments = segmentsOf(error.instancePath);
    const p = error.params as Record<string, unknown>;
    let target = source.nodeAtPath(segments);
    let range;
    if (error.keyword === 'additionalProperties') {
      target = source.nodeAtPath([...segments, String(p.additionalProperty)]);
      range = source.rangeOf(target.key ?? target.node);
    } else if (error.keyword === 'propertyNames') {
      target = source.nodeAtPath([...segments, String(p.propertyName)]);
      range = source.rangeOf(target.key ?? target.node);
    } else if (error.keyword === 'required') {
      range = source.rangeOf(target.key ?? target.node);
    } else {
      range = source.rangeOf(target.node);
    }
    const message = describe(error, segments.join('.'));
    const id = `${range.start.line}:${range.start.character}:${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    diagnostics.push(source.diagnostic('schema', message, range));
  }
  return diagnostics;
}
