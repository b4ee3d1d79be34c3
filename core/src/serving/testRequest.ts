import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** A request that a served model answers: where to send it and its JSON body. */
export interface TestRequest {
  /** `/invocations` (MLflow's scoring protocol). */
  path: string;
  /** JSON text. */
  body: string;
  /** Where the body came from: the model's serving input example, its input example, or its signature. */
  source: 'serving_input_example' | 'input_example' | 'signature' | 'none';
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;

/** A placeholder value of an MLflow column type. */
function placeholder(type: string | undefined): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    default:
      return 0;
  }
}

/**
 * A request body for a model folder, for the "Send test request" panels: the serving input
 * example MLflow saves beside MLmodel (already an `/invocations` body), else its input example
 * wrapped as `dataframe_split` or `inputs`, else one row of placeholders from the signature's
 * columns. Never throws for a model's content: without any of these the body is `{}`.
 */
export function testRequestFor(modelDir: string): TestRequest {
  let mlmodel: Record<string, unknown> = {};
  try {
    mlmodel = (parse(fs.readFileSync(path.join(modelDir, 'MLmodel'), 'utf8')) ?? {}) as Record<
      string,
      unknown
    >;
  } catch {
    return { path: '/invocations', body: '{}', source: 'none' };
  }
  const info = (mlmodel.saved_input_example_info ?? {}) as Record<string, unknown>;
  const pretty = (value: unknown): string => JSON.stringify(value, null, 2);
  try {
    const serving = path.join(
      modelDir,
      String(info.serving_input_path ?? 'serving_input_example.json'),
    );
    if (fs.existsSync(serving)) {
      return {
        path: '/invocations',
        body: pretty(readJson(serving)),
        source: 'serving_input_example',
      };
    }
    if (typeof info.artifact_path === 'string') {
      const example = readJson(path.join(modelDir, info.artifact_path));
      const body = info.type === 'dataframe' ? { dataframe_split: example } : { inputs: example };
      return { path: '/invocations', body: pretty(body), source: 'input_example' };
    }
  } catch {
    // An unreadable example falls back to the signature.
  }
  const signature = (mlmodel.signature ?? {}) as Record<string, unknown>;
  try {
    const inputs = JSON.parse(String(signature.inputs ?? '[]')) as {
      name?: string;
      type?: string;
    }[];
    if (inputs.length > 0 && inputs.every((c) => typeof c.name === 'string')) {
      const body = {
        dataframe_split: {
          columns: inputs.map((c) => c.name),
          data: [inputs.map((c) => placeholder(c.type))],
        },
      };
      return { path: '/invocations', body: pretty(body), source: 'signature' };
    }
  } catch {
    // A signature that is not JSON gives no body.
  }
  return { path: '/invocations', body: '{}', source: 'none' };
}
