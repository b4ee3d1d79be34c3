import path from 'node:path';
import { Engine } from '../engine';

/** Opens the store a `--store` option names: made when `create`, else it must exist. */
export function openStore(store: string, create: boolean): Engine {
  return Engine.open({ storeDir: path.resolve(store), create });
}

/**
 * Runs one command on the store a `--store` option names (it must exist), once the recovery of
 * runs a killed Sextant left has run, and closes the store after.
 */
export async function withEngine<T>(
  store: string,
  use: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = openStore(store, false);
  try {
    await engine.recovered;
    return await use(engine);
  } finally {
    await engine.close();
  }
}
