import type { FastifyRequest } from 'fastify';
import type { KeyValue, ViewType } from '../model';
import { invalid } from '../model/errors';
import { toInteger } from '../tracking';

/** The fields of a request: the query string for GET, the JSON body otherwise. */
export type Fields = Record<string, unknown>;

export function fieldsOf(request: FastifyRequest): Fields {
  const source =
    request.method === 'GET' || request.method === 'HEAD' ? request.query : request.body;
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw invalid('The request body must be a JSON object.');
  }
  return source as Fields;
}

export function requiredString(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null || value === '') {
    throw invalid(
      `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
    );
  }
  if (typeof value !== 'string') {
    throw invalid(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected a string.`,
    );
  }
  return value;
}

export function optionalString(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw invalid(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected a string.`,
    );
  }
  return value;
}

export function optionalInteger(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  return value === undefined || value === null || value === ''
    ? undefined
    : toInteger(value, `parameter '${name}'`);
}

/** A repeated string field: a JSON array, or repeated query parameters. */
export function stringList(fields: Fields, name: string): string[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== 'string')
      throw invalid(`Invalid value for '${name}': expected a list of strings.`);
  }
  return list as string[];
}

/** A repeated message field: must be a JSON array of objects. */
export function objectList(fields: Fields, name: string): Fields[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (
    !Array.isArray(value) ||
    value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))
  ) {
    throw invalid(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected a list of objects.`,
    );
  }
  return value as Fields[];
}

export function keyValues(fields: Fields, name: string): KeyValue[] {
  return objectList(fields, name).map((kv) => ({
    key: requiredString(kv, 'key'),
    value: kv.value === undefined || kv.value === null ? '' : String(kv.value),
  }));
}

const VIEW_TYPES: Record<string, ViewType> = {
  ACTIVE_ONLY: 'ACTIVE_ONLY',
  DELETED_ONLY: 'DELETED_ONLY',
  ALL: 'ALL',
  '1': 'ACTIVE_ONLY',
  '2': 'DELETED_ONLY',
  '3': 'ALL',
};

export function viewType(fields: Fields, name: string): ViewType | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  const found = VIEW_TYPES[String(value)];
  if (!found)
    throw invalid(
      `Invalid value ${JSON.stringify(value)} for '${name}': use ACTIVE_ONLY, DELETED_ONLY or ALL.`,
    );
  return found;
}
