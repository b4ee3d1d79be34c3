/** The `sextant` command line: the engine driven from a terminal (`bin/sextant.js` runs `main`). */
export { buildCli, main } from './main';
