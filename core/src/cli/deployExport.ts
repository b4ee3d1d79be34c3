import fs from 'node:fs';
import { stringify } from 'yaml';
import { invalid } from '../model/errors';
import { withEngine } from './store';

/** Options of `sextant deploy export`. */
export interface ExportOptions {
  store: string;
  file: string;
  kserve?: boolean;
  output?: string;
  variant?: string;
  storageUriPrefix?: string;
}

/**
 * `sextant deploy export NAME --kserve`: the deployment of sextant.yaml as a KServe
 * InferenceService manifest (YAML) on stdout or in `--output`; notes go to stderr.
 */
export async function exportDeployment(
  name: string,
  opts: ExportOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  if (!opts.kserve) throw invalid('say what to export: --kserve (a KServe InferenceService)');
  const { readDeployments, resolveServedModel, kserveManifest, storageUriOf } =
    await import('../serving/index.js');
  const specs = readDeployments(opts.file);
  const spec = specs.find((s) => s.name === name);
  if (!spec) {
    throw invalid(
      `${opts.file} declares no deployment named ${name}; it has ${specs.map((s) => s.name).join(', ') || 'none'}`,
    );
  }
  await withEngine(opts.store, async (engine) => {
    const variants = [];
    for (const v of spec.variants) {
      const model = await resolveServedModel(
        v.model,
        { registry: engine.registry, artifactRoot: engine.artifacts.root },
        process.cwd(),
      );
      const version = await engine.registry.getVersion(model.name, model.version);
      variants.push({
        name: v.name,
        weight: v.weight,
        shadow: v.shadow,
        model: model.name,
        version: model.version,
        flavors: version.facts?.flavors ?? ['python_function'],
        storageUri: storageUriOf(
          version.storageLocation,
          engine.artifacts.root,
          opts.storageUriPrefix,
        ),
      });
    }
    const { manifest, notes } = kserveManifest(spec, variants, opts.variant);
    if (!opts.storageUriPrefix && !/^[a-z][a-z0-9+.-]*:\/\//i.test(engine.artifacts.root)) {
      notes.push(
        'the storageUri is a path on this machine: give --storage-uri-prefix (e.g. s3://bucket/artifacts) where KServe can fetch the artifact store',
      );
    }
    const text = stringify(manifest);
    if (opts.output) {
      fs.writeFileSync(opts.output, text);
      out.write(`Wrote ${opts.output}\n`);
    } else {
      out.write(text);
    }
    for (const note of notes) process.stderr.write(`sextant deploy export: ${note}\n`);
  });
}
