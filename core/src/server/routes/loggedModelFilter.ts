import type { LoggedModel } from '../../model';
import { invalid } from '../../model/errors';

const CLAUSE =
  /^\s*(name|model_id|model_type|status|source_run_id|tags\.[\w.\-/ ]+|params\.[\w.\-/ ]+)\s*(=|!=|LIKE)\s*'((?:[^'\\]|\\.)*)'\s*$/i;

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

function fieldOf(model: LoggedModel, field: string): string | undefined {
  if (field.startsWith('tags.')) return model.tags.find((t) => t.key === field.slice(5))?.value;
  if (field.startsWith('params.')) return model.params.find((p) => p.key === field.slice(7))?.value;
  const attributes: Record<string, string | undefined> = {
    name: model.name,
    model_id: model.modelId,
    model_type: model.modelType,
    status: model.status,
    source_run_id: model.sourceRunId,
  };
  return attributes[field];
}

/**
 * The subset of MLflow's logged-model filter grammar that clients send: clauses
 * `<attribute|tags.k|params.k> (=|!=|LIKE) '<string>'` joined by AND.
 */
export function loggedModelMatcher(filter: string | undefined): (model: LoggedModel) => boolean {
  if (!filter || filter.trim() === '') return () => true;
  const tests = filter.split(/\s+AND\s+/i).map((clause) => {
    const match = CLAUSE.exec(clause);
    if (!match) {
      throw invalid(
        `Invalid logged model filter clause '${clause.trim()}': use <name|model_id|model_type|status|source_run_id|tags.<k>|params.<k>> (=|!=|LIKE) '<value>' joined by AND.`,
      );
    }
    const [, rawField = '', op = '', raw = ''] = match;
    const field = rawField.trim();
    const value = raw.replace(/\\(.)/g, '$1');
    const key = field.toLowerCase().startsWith('tags.') || field.toLowerCase().startsWith('params.') ? field : field.toLowerCase();
    const opUpper = op.toUpperCase();
    const like = opUpper === 'LIKE' ? likeToRegExp(value) : undefined;
    return (model: LoggedModel): boolean => {
      const actual = fieldOf(model, key);
      if (opUpper === '=') return actual === value;
      if (opUpper === '!=') return actual !== undefined && actual !== value;
      return actual !== undefined && (like as RegExp).test(actual);
    };
  });
  return (model) => tests.every((test) => test(model));
}
