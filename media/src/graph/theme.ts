/**
 * The one place that maps the host's theme onto the graph. The graph's stylesheet uses only
 * `--sx-*` custom properties; a host applies a {@link ThemeMap} that defines each of them from its
 * own variables (`--vscode-*` in VS Code, `--jp-*` in JupyterLab). Fallbacks are the Okabe–Ito
 * colour-blind-safe palette; every status also shows its word and glyph.
 */

/** `--sx-*` property → CSS value (usually `var(--host-variable, fallback)`). */
export type ThemeMap = Readonly<Record<string, string>>;

/** The graph's properties as VS Code webviews define them. */
export const VSCODE_THEME: ThemeMap = {
  '--sx-fg': 'var(--vscode-foreground, #333)',
  '--sx-muted': 'var(--vscode-descriptionForeground, #717171)',
  '--sx-bg': 'var(--vscode-editor-background, #fff)',
  '--sx-node-bg': 'var(--vscode-editorWidget-background, #f3f3f3)',
  '--sx-node-border': 'var(--vscode-editorWidget-border, #c8c8c8)',
  '--sx-edge': 'var(--vscode-editorLineNumber-foreground, #8a8a8a)',
  '--sx-focus': 'var(--vscode-focusBorder, #0090f1)',
  '--sx-selected-bg': 'var(--vscode-list-activeSelectionBackground, #cce5ff)',
  '--sx-panel-border': 'var(--vscode-panel-border, rgba(128, 128, 128, 0.35))',
  '--sx-code-bg': 'var(--vscode-textCodeBlock-background, rgba(128, 128, 128, 0.12))',
  '--sx-mono': 'var(--vscode-editor-font-family, monospace)',
  '--sx-status-queued': 'var(--vscode-descriptionForeground, #7f7f7f)',
  '--sx-status-running': 'var(--vscode-charts-blue, #0072b2)',
  '--sx-status-cached': 'var(--vscode-charts-purple, #cc79a7)',
  '--sx-status-done': 'var(--vscode-charts-green, #009e73)',
  '--sx-status-failed': 'var(--vscode-charts-red, #d55e00)',
  '--sx-status-cancelled': 'var(--vscode-charts-orange, #e69f00)',
  '--sx-status-skipped': 'var(--vscode-disabledForeground, #999)',
  '--sx-status-stale': 'var(--vscode-charts-yellow, #b8860b)',
};

/** The same properties from JupyterLab's theme variables. */
export const JUPYTERLAB_THEME: ThemeMap = {
  '--sx-fg': 'var(--jp-ui-font-color1, #333)',
  '--sx-muted': 'var(--jp-ui-font-color2, #717171)',
  '--sx-bg': 'var(--jp-layout-color1, #fff)',
  '--sx-node-bg': 'var(--jp-layout-color2, #f3f3f3)',
  '--sx-node-border': 'var(--jp-border-color1, #c8c8c8)',
  '--sx-edge': 'var(--jp-ui-font-color3, #8a8a8a)',
  '--sx-focus': 'var(--jp-brand-color1, #1976d2)',
  '--sx-selected-bg': 'var(--jp-layout-color3, #cce5ff)',
  '--sx-panel-border': 'var(--jp-border-color2, rgba(128, 128, 128, 0.35))',
  '--sx-code-bg': 'var(--jp-cell-editor-background, rgba(128, 128, 128, 0.12))',
  '--sx-mono': 'var(--jp-code-font-family, monospace)',
  '--sx-status-queued': 'var(--jp-ui-font-color2, #7f7f7f)',
  '--sx-status-running': 'var(--jp-brand-color1, #0072b2)',
  '--sx-status-cached': 'var(--jp-accent-color1, #cc79a7)',
  '--sx-status-done': 'var(--jp-success-color1, #009e73)',
  '--sx-status-failed': 'var(--jp-error-color1, #d55e00)',
  '--sx-status-cancelled': 'var(--jp-warn-color1, #e69f00)',
  '--sx-status-skipped': 'var(--jp-ui-font-color3, #999)',
  '--sx-status-stale': 'var(--jp-warn-color0, #b8860b)',
};

/** Defines the graph's properties on `element` (the view's root) from the host's theme. */
export function applyTheme(element: HTMLElement, theme: ThemeMap): void {
  for (const [name, value] of Object.entries(theme)) element.style.setProperty(name, value);
}

/** The stylesheet of the pipeline view; it reads only `--sx-*` properties. */
export const PIPELINE_CSS = `
.sx-pipeline { display: flex; flex-direction: column; height: calc(100vh - 36px); color: var(--sx-fg); }
.sx-pipeline button:disabled { opacity: 0.45; cursor: default; }
.sx-pipeline .sx-side ul { list-style: none; margin: 0; padding: 0; }
.sx-pipeline header { flex: none; }
.sx-pipeline .sx-toolbar { display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: center; margin: 6px 0 8px; }
.sx-pipeline .sx-toolbar .sx-run-status { margin-left: 8px; }
.sx-pipeline .sx-body { flex: 1; display: flex; min-height: 0; gap: 12px; }
.sx-pipeline .sx-canvas { flex: 1; min-width: 0; position: relative; border: 1px solid var(--sx-panel-border); border-radius: 4px; overflow: hidden; }
.sx-pipeline .sx-canvas svg { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
.sx-pipeline .sx-canvas svg.sx-panning { cursor: grabbing; }
.sx-pipeline .sx-node { cursor: pointer; outline: none; }
.sx-pipeline .sx-node rect.sx-box { fill: var(--sx-node-bg); stroke: var(--sx-node-border); stroke-width: 1; }
.sx-pipeline .sx-node rect.sx-bar { fill: var(--sx-status-color); }
.sx-pipeline .sx-node text { fill: var(--sx-fg); font-size: 13px; }
.sx-pipeline .sx-node text.sx-name { font-weight: 600; }
.sx-pipeline .sx-node text.sx-status { fill: var(--sx-status-color); font-size: 12px; }
.sx-pipeline .sx-node text.sx-duration { fill: var(--sx-muted); font-size: 11px; }
.sx-pipeline .sx-node.sx-selected rect.sx-box { fill: var(--sx-selected-bg); stroke: var(--sx-focus); stroke-width: 2; }
.sx-pipeline .sx-node:focus-visible rect.sx-box { stroke: var(--sx-focus); stroke-width: 2; stroke-dasharray: 4 2; }
.sx-pipeline .sx-node.sx-running rect.sx-box { stroke: var(--sx-status-color); stroke-width: 2; }
.sx-pipeline .sx-node.sx-running text.sx-icon { animation: sx-pulse 1.2s ease-in-out infinite; }
@keyframes sx-pulse { 50% { opacity: 0.25; } }
@media (prefers-reduced-motion: reduce) { .sx-pipeline .sx-node.sx-running text.sx-icon { animation: none; } }
.sx-pipeline .sx-edge { fill: none; stroke: var(--sx-edge); stroke-width: 1.5; }
.sx-pipeline .sx-arrow { fill: var(--sx-edge); }
.sx-pipeline .sx-side { flex: 0 0 min(40%, 420px); overflow: auto; border-left: 1px solid var(--sx-panel-border); padding-left: 12px; }
.sx-pipeline .sx-side h2 { margin-top: 0.4em; }
.sx-pipeline .sx-side dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0 0 8px; }
.sx-pipeline .sx-side dt { color: var(--sx-muted); }
.sx-pipeline .sx-side dd { margin: 0; overflow-wrap: anywhere; }
.sx-pipeline .sx-side pre { font-family: var(--sx-mono); font-size: 12px; background: var(--sx-code-bg); padding: 6px 8px; max-height: 40vh; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.sx-pipeline .sx-side pre.sx-stderr { border-left: 3px solid var(--sx-status-failed); }
.sx-pipeline .sx-badge { color: var(--sx-status-color); font-weight: 600; }
@media (max-width: 760px) {
  .sx-pipeline .sx-body { flex-direction: column; }
  .sx-pipeline .sx-canvas { flex: 0 0 45%; }
  .sx-pipeline .sx-side { flex: 1 1 auto; min-height: 0; border-left: none; border-top: 1px solid var(--sx-panel-border); padding: 0; }
}
.sx-pipeline .sx-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: var(--sx-muted); margin: 6px 0 0; }
.sx-pipeline .sx-legend span { color: var(--sx-status-color); }
.sx-pipeline .sx-problem { color: var(--sx-status-failed); }
`;

/** Adds the pipeline stylesheet to `doc` once. */
export function installStyles(doc: Document): void {
  if (doc.getElementById('sx-pipeline-style')) return;
  const style = doc.createElement('style');
  style.id = 'sx-pipeline-style';
  style.textContent = PIPELINE_CSS;
  doc.head.append(style);
}
