import { posix } from 'node:path';
import type { KeyValue, ModelStage } from '../model';
import { MODEL_STAGES } from '../model';
import { invalid } from '../model/errors';
import { validateKey } from '../tracking';

/** MLflow's registry limits. */
export const REGISTRY_LIMITS = {
  tagKeyLength: 250,
  tagValueLength: 100_000,
  aliasLength: 255,
  nameLength: 256,
  descriptionLength: 100_000,
  modelsPageDefault: 100,
  modelsPageMax: 1000,
  versionsPageDefault: 10_000,
  versionsPageMax: 200_000,
} as const;

const ALIAS = /^[\w-]*$/;
const VERSION_ALIAS = /^[vV]\d+$/;

/** A registered model name as MLflow accepts it: not empty, no `/` or `:`, a stable path. */
export function validateModelName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`Missing value for required parameter '${field}'.`);
  }
  if (name.includes('/') || name.includes(':')) {
    throw invalid(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  }
  const norm = posix.normalize(name);
  if (norm !== name || norm === '.' || norm.startsWith('..') || name.includes('\\')) {
    throw invalid(
      `Invalid value '${name}' for parameter '${field}': names may be treated as files and must not resolve to other names.`,
    );
  }
  if (name.length > REGISTRY_LIMITS.nameLength) {
    throw invalid(
      `Model name '${name.slice(0, 40)}...' is longer than ${REGISTRY_LIMITS.nameLength} characters.`,
    );
  }
  return name;
}

/** A version number: a positive integer written in decimal. */
export function validateVersion(version: unknown): string {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !/^\d+$/.test(text.trim())) {
    throw invalid(`Parameter 'version' must be an integer, got '${String(version)}'.`);
  }
  return String(Number(text.trim()));
}

/** An alias as MLflow accepts one: letters, digits, `_` and `-`; not `latest`, not `v<n>`. */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') {
    throw invalid('Registered model alias name cannot be empty.');
  }
  if (!ALIAS.test(alias)) {
    throw invalid(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.length > REGISTRY_LIMITS.aliasLength) {
    throw invalid(
      `Registered model alias name exceeds the limit of ${REGISTRY_LIMITS.aliasLength} characters.`,
    );
  }
  if (alias.toLowerCase() === 'latest')
    throw invalid("'latest' alias name (case insensitive) is reserved.");
  if (VERSION_ALIAS.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
  return alias;
}

/** A registry tag: MLflow's tag-name rule, a 250-character key and a 100,000-character value. */
export function validateRegistryTag(tag: KeyValue): KeyValue {
  validateKey('tag', tag.key);
  if (tag.key.length > REGISTRY_LIMITS.tagKeyLength) {
    throw invalid(
      `Tag key '${tag.key.slice(0, 40)}...' exceeds ${REGISTRY_LIMITS.tagKeyLength} characters.`,
    );
  }
  if (tag.value.length > REGISTRY_LIMITS.tagValueLength) {
    throw invalid(
      `Tag value of '${tag.key}' exceeds ${REGISTRY_LIMITS.tagValueLength} characters.`,
    );
  }
  return tag;
}

/** A stage, case-insensitively, in MLflow's spelling. */
export function validateStage(stage: unknown): ModelStage {
  const found = MODEL_STAGES.find(
    (s) => typeof stage === 'string' && s.toLowerCase() === stage.toLowerCase(),
  );
  if (!found) {
    throw invalid(
      `Invalid Model Version stage: ${String(stage)}. Value must be one of ${MODEL_STAGES.join(', ')}.`,
    );
  }
  return found;
}

/** A description within the limit. */
export function validateDescription(description: string | undefined): string {
  const text = description ?? '';
  if (text.length > REGISTRY_LIMITS.descriptionLength) {
    throw invalid(`Description exceeds ${REGISTRY_LIMITS.descriptionLength} characters.`);
  }
  return text;
}

/** A page size within `max`; `fallback` when not given. */
export function validatePageSize(
  maxResults: number | undefined,
  fallback: number,
  max: number,
): number {
  if (maxResults === undefined) return fallback;
  if (!Number.isInteger(maxResults) || maxResults <= 0 || maxResults > max) {
    throw invalid(
      `Invalid value for max_results: it must be a positive integer at most ${max}, got ${maxResults}.`,
    );
  }
  return maxResults;
}
