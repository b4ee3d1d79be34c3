import { invalid, type ViewType } from '@sextant/core';

/** Request params as they arrive: JSON from a client, checked field by field. */
type Fields = Record<string, unknown>;

const fieldsOf = (params: unknown): Fields =>
  params !== null && typeof params === 'object' ? (params as Fields) : {};

const shown = (value: unknown): string => JSON.stringify(value)?.slice(0, 80) ?? String(value);

/** A required non-empty string field. */
export function requiredString(params: unknown, key: string): string {
  const value = fieldsOf(params)[key];
  if (typeof value !== 'string' || value === '') {
    throw invalid(`Missing or invalid '${key}': expected a non-empty string, got ${shown(value)}.`);
  }
  return value;
}

/** An optional string field. */
export function optionalString(params: unknown, key: string): string | undefined {
  const value = fieldsOf(params)[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw invalid(`Invalid '${key}': expected a string, got ${shown(value)}.`);
  }
  return value;
}

function asStringList(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalid(`Invalid '${key}': expected a list of strings, got ${shown(value)}.`);
  }
  return value as string[];
}

/** An optional list of strings. */
export function optionalStringList(params: unknown, key: string): string[] | undefined {
  const value = fieldsOf(params)[key];
  return value === undefined || value === null ? undefined : asStringList(value, key);
}

/** A required list of strings with between `min` and `max` items. */
export function requiredStringList(
  params: unknown,
  key: string,
  min: number,
  max: number,
): string[] {
  const list = asStringList(fieldsOf(params)[key], key);
  if (list.length < min || list.length > max) {
    throw invalid(`Invalid '${key}': give between ${min} and ${max} items, got ${list.length}.`);
  }
  return list;
}

/** An optional boolean field: true, false, or absent (false). */
export function optionalBoolean(params: unknown, key: string): boolean {
  const value = fieldsOf(params)[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw invalid(`Invalid '${key}': expected true or false, got ${shown(value)}.`);
  }
  return value;
}

/** An optional integer field within bounds. */
export function optionalInteger(
  params: unknown,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const value = fieldsOf(params)[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      `Invalid '${key}': expected an integer from ${min} to ${max}, got ${shown(value)}.`,
    );
  }
  return value;
}

/** An optional value out of a fixed set. */
export function optionalChoice<T extends string>(
  params: unknown,
  key: string,
  choices: readonly T[],
): T | undefined {
  const value = optionalString(params, key);
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw invalid(`Invalid '${key}' ${shown(value)}: use one of ${choices.join(', ')}.`);
  }
  return value as T;
}

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** The optional `viewType` field. */
export const optionalViewType = (params: unknown): ViewType | undefined =>
  optionalChoice(params, 'viewType', VIEW_TYPES);
