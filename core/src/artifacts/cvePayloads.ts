/** A payload from MLflow's path-traversal CVE history that Sextant must refuse. */
export interface CvePayload {
  cve: string;
  description: string;
  /**
   * The value as the public proof of concept sends it: for `path`, the text after
   * `/mlflow-artifacts/artifacts/` or in `?path=`; otherwise the JSON field value.
   * HTTP tests must keep it intact (clients collapse `../` in URL paths unless it is encoded).
   */
  input: string;
  /** Which check refuses it: an artifact path, an experiment `artifact_location`, or a model version `source`. */
  kind: 'path' | 'artifactLocation' | 'source';
}

/**
 * MLflow's artifact and model-version traversal payloads. Shapes follow the public proofs of
 * concept (MLflow issue #7166, the projectdiscovery nuclei templates, the GitHub advisories);
 * entries marked "variant" are the same attack written another way.
 */
export const CVE_PAYLOADS: readonly CvePayload[] = [
  {
    cve: 'CVE-2023-1177',
    description: 'model version source pointing at a local directory (PoC: file:///etc/)',
    input: 'file:///etc/',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-1177',
    description: 'variant: ../ in the artifact get/list path',
    input: '../../../etc/passwd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-1177',
    description: 'variant: ..%2f in the artifact get/list path',
    input: '..%2f..%2f..%2fetc%2fpasswd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-2780',
    description: 'bypass of the 1177 fix: file URI with a "." host (PoC: file://./etc)',
    input: 'file://./etc',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-2780',
    description: 'variant: double-slash absolute path',
    input: '//etc/passwd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-2780',
    description: 'variant: fully url-encoded ../',
    input: '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-6977',
    description: 'model version source //proc/self/root, then get-artifact path etc/passwd',
    input: '//proc/self/root',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-6977',
    description: 'variant: source with a fragment carrying ..',
    input: 'mlflow-artifacts:/0/abc/artifacts#/../../../../etc',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-6977',
    description: 'variant: source with a query carrying ..',
    input: 'runs:/abc/model?/../../../../etc',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-30172',
    description: 'GET /get-artifact?path=../../../../../../etc/passwd (MLflow issue #7166)',
    input: '../../../../../../etc/passwd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-6831',
    description: 'DELETE mlflow-artifacts with double-encoded ../ (nuclei PoC)',
    input:
      '%252E%252E%252F%252E%252E%252F%252E%252E%252F%252E%252E%252F%252E%252E%252F%252E%252E%252Fetc%252fpasswd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-6831',
    description: 'variant: backslash traversal ..\\..\\',
    input: '..\\..\\..\\etc\\passwd',
    kind: 'path',
  },
  {
    cve: 'CVE-2023-6831',
    description: 'variant: url-encoded backslash traversal ..%5c..%5c',
    input: '..%5c..%5c..%5cetc%5cpasswd',
    kind: 'path',
  },
  {
    cve: 'CVE-2024-1560',
    description: 'bypass of the 6831 fix: %2e%2e segments decoded after the check',
    input: '%2e%2e/%2e%2e/%2e%2e/tmp/victim',
    kind: 'path',
  },
  {
    cve: 'CVE-2024-1560',
    description: 'variant: uppercase %2E%2E with a literal slash',
    input: '%2E%2E/%2E%2E/tmp/victim',
    kind: 'path',
  },
  {
    cve: 'CVE-2024-1560',
    description: 'variant: %252e%252e%252f, decoded twice',
    input: '%252e%252e%252f%252e%252e%252ftmp',
    kind: 'path',
  },
  {
    cve: 'CVE-2024-1594',
    description: 'artifact_location with ../ hidden in the fragment',
    input: 'http://127.0.0.1:5000/#/../../../../../../etc/',
    kind: 'artifactLocation',
  },
  {
    cve: 'CVE-2024-1594',
    description: 'variant: fragment on an otherwise accepted mlflow-artifacts location',
    input: 'mlflow-artifacts:/1#/../../../etc',
    kind: 'artifactLocation',
  },
  {
    cve: 'CVE-2024-1483',
    description: 'artifact_location http:///#/../.. (nuclei PoC), combined with the run path',
    input: 'http:///#/../../../../../../../../../../../../../../etc/',
    kind: 'artifactLocation',
  },
  {
    cve: 'CVE-2024-1483',
    description: 'variant: local file URI with # instead of ?',
    input: 'file:///tmp/x#/../../../etc',
    kind: 'artifactLocation',
  },
  {
    cve: 'CVE-2024-1483',
    description: 'second step of the PoC: model version source file:///etc/',
    input: 'file:///etc/',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-6909',
    description: 'artifact_location with ../ hidden in the query (nuclei PoC)',
    input: 'http:///?/../../../../../../../../../../../../../../etc/',
    kind: 'artifactLocation',
  },
  {
    cve: 'CVE-2023-2356',
    description: 'model version source file://<host>/../../ (nuclei PoC)',
    input: 'file://localhost/../../../../../../../',
    kind: 'source',
  },
  {
    cve: 'CVE-2023-3765',
    description: 'mlflow-artifacts listing of an absolute Windows path (?path=C:/)',
    input: 'C:/',
    kind: 'path',
  },
];
