/** The HTML page of a `media` view in a webview: strict CSP with a nonce, no eval. */

/** A fresh nonce for one page load. */
export function makeNonce(random: (size: number) => Uint8Array): string {
  return Buffer.from(random(18)).toString('base64').replace(/[+/=]/g, '');
}

/** Where the page's resources are, as webview URIs. */
export interface PageAssets {
  /** `webview.cspSource`. */
  cspSource: string;
  script: string;
  style: string;
}

/**
 * The Content-Security-Policy of a view: nothing by default; scripts only with the nonce; styles
 * from the extension and inline (Plotly writes style attributes and one style element); images
 * from the extension and data URIs (Plotly's mode bar, artifact previews).
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * The page of the view named `view` (`compare`, `run`, `pipeline`, `modelVersion`, `modelCompare`,
 * `runsTable`).
 */
export function viewHtml(
  view:
    | 'compare'
    | 'run'
    | 'pipeline'
    | 'modelVersion'
    | 'modelCompare'
    | 'runsTable'
    | 'deployment'
    | 'timeline'
    | 'monitoring'
    | 'onlineExperiment',
  title: string,
  assets: PageAssets,
  nonce: string,
): string {
  const attr = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(assets.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(assets.style)}">
<title>${attr(title)}</title>
</head>
<body data-view="${view}">
<main id="root"></main>
<script nonce="${nonce}" src="${attr(assets.script)}"></script>
</body>
</html>`;
}
