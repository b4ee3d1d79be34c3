/**
 * What "requirements resolvable" means for a version's `requirements.txt`, checked without
 * contacting a package index: every line is something `pip install -r` can install from an index
 * or a URL alone, in a fresh environment built from that file (as Sextant's per-requirements
 * environments are). Not checked: that the pinned versions exist on the index or have wheels for
 * this machine's Python; that is found when the environment is built.
 */

/** A PEP 508 requirement: a name, extras, then a version specifier, a URL, and markers. */
const REQUIREMENT =
  /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(\[[A-Za-z0-9._,\s-]*\])?\s*(\(?\s*(===|==|~=|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+(\s*,\s*(===|==|~=|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+)*\s*\)?|@\s*\S+)?\s*(;.*)?$/;

/** Options pip reads from a requirements file that change where packages come from, harmlessly. */
const INDEX_OPTIONS =
  /^(--index-url|-i|--extra-index-url|--trusted-host|--pre|--prefer-binary|--only-binary|--no-binary)\b/;

/** A URL pip fetches by itself (not a file of the machine that logged the model). */
const REMOTE_URL =
  /^(https?|git\+https?|git\+ssh|git\+git|hg\+https?|svn\+https?|bzr\+https?):\/\//;

/**
 * Why each line of a requirements file could not be installed from that file alone, one sentence
 * each: local paths and `file:` URLs (files of the machine that logged the model), editable
 * installs, `-r`/`-c` includes (files not kept beside MLmodel), and lines that are no requirement.
 */
export function unresolvableRequirements(lines: readonly string[]): string[] {
  const problems: string[] = [];
  for (const raw of lines) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#') || INDEX_OPTIONS.test(line)) continue;
    if (/^(-e|--editable)\b/.test(line)) {
      problems.push(`'${line}' is an editable install of a local project.`);
    } else if (/^(-r|--requirement|-c|--constraint)\b/.test(line)) {
      problems.push(`'${line}' includes another file, which is not kept with the model.`);
    } else if (/^-/.test(line)) {
      problems.push(`'${line}' is a pip option Sextant does not install from.`);
    } else if (/^(file:|\.{0,2}\/|~)/.test(line) || /@\s*file:/.test(line)) {
      problems.push(`'${line}' names a file of the machine that logged the model.`);
    } else if (REMOTE_URL.test(line)) {
      continue;
    } else if (!REQUIREMENT.test(line)) {
      problems.push(`'${line}' is no requirement pip understands.`);
    } else {
      const url = /@\s*(\S+)/.exec(line)?.[1];
      if (url && !REMOTE_URL.test(url)) {
        problems.push(`'${line}' points at '${url}', which pip cannot fetch.`);
      }
    }
  }
  return problems;
}
