/**
 * Tree items as plain data, shared by every tree of the extension (the VS Code adapter is
 * `vscode/treeItem.ts`), and the one icon per way a run stands, tracked run or pipeline run alike.
 */

/** A codicon with an optional theme color id. */
export interface Icon {
  id: string;
  color?: string;
}

/** A tree item as plain data. */
export interface ItemModel {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: Icon;
  /** Matched by `when` clauses of the context menus: `experiment`, `run.active`, `pipeline`… */
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

/** The icon of a run that is running, waiting, done, failed or stopped. */
export const STATE_ICONS = {
  running: { id: 'loading~spin' },
  scheduled: { id: 'clock', color: 'charts.blue' },
  done: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  stopped: { id: 'circle-slash', color: 'charts.orange' },
} as const satisfies Record<string, Icon>;
