/**
 * Artifact previews as plain data: which files are previewed and how (image, text, CSV table),
 * how much of each is read, the data URL of an image, and the rows of a CSV preview.
 */

/** How an artifact is previewed. */
export type PreviewKind = 'image' | 'text' | 'csv' | 'html' | 'none';

/** Bytes of a text artifact read for a preview (the first 256 KiB). */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Bytes of an image read for a preview; larger images are not previewed. */
export const IMAGE_PREVIEW_BYTES = 8 * 1024 * 1024;
/** Rows of a CSV preview table. */
export const CSV_PREVIEW_ROWS = 50;

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
};

const TEXT_EXTENSIONS = new Set([
  'txt',
  'json',
  'yaml',
  'yml',
  'md',
  'log',
  'csv',
  'tsv',
  'diff',
  'patch',
  'py',
]);

function extension(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** How the file at `path` is previewed, from its extension. */
export function previewKind(path: string): PreviewKind {
  const ext = extension(path);
  if (ext in IMAGE_TYPES) return 'image';
  if (ext === 'csv') return 'csv';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  return 'none';
}

/** The MIME type of an image artifact, or undefined for other files. */
export function imageMimeType(path: string): string | undefined {
  return IMAGE_TYPES[extension(path)];
}

/**
 * A `data:` URL of base64 image bytes, for an `<img>` (the views' CSP allows `img-src data:`).
 * An SVG goes only into an `<img>`, where its scripts never run; never inline it in the page.
 */
export function imageDataUrl(path: string, base64: string): string {
  const type = imageMimeType(path);
  if (!type) throw new Error(`${path} is not a previewable image (png, jpg, gif or svg).`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64))
    throw new Error(`${path}: the content is not base64.`);
  return `data:${type};base64,${base64}`;
}

/**
 * The first `maxRows` rows of CSV text (RFC 4180: quoted fields may hold commas, quotes doubled,
 * and line breaks). A row cut off at the end of a truncated preview is dropped when `truncated`.
 */
export function parseCsvPreview(text: string, maxRows: number, truncated = false): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length && rows.length < maxRows) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i += 1;
    } else field += c;
    i += 1;
  }
  const complete = i < text.length || !truncated;
  if (rows.length < maxRows && complete && (field !== '' || row.length > 0)) endRow();
  return rows;
}

/** A size in bytes for people: `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The last segment of an artifact path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The `sandbox` of an HTML artifact's frame: empty, so its scripts, forms, pop-ups and plugins
 * never run and it gets an opaque origin (no allow-scripts, no allow-same-origin). The page is
 * given as `srcdoc`, so the view's own Content-Security-Policy applies to it too.
 */
export const HTML_SANDBOX = '';
