/** What running processes have loaded, read from /proc (Linux): for checks that nothing comes from the checkout. */
import fs from 'node:fs';

/** A process: its argv, its executable and every file it has mapped. */
export interface ProcessFiles {
  pid: string;
  argv: string[];
  exe: string;
  files: string[];
}

/** The processes whose command line mentions `needle`. */
export function processesRunning(needle: string): ProcessFiles[] {
  const found: ProcessFiles[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(needle)) continue;
    const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    const files = maps
      .split('\n')
      .map((line) => line.split(/\s+/)[5] ?? '')
      .filter((file) => file.startsWith('/'));
    found.push({
      pid,
      argv: cmdline.split('\0').filter(Boolean),
      exe: fs.readlinkSync(`/proc/${pid}/exe`),
      files: [...new Set(files)],
    });
  }
  return found;
}
