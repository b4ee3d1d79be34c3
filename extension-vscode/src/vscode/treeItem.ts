import * as vscode from 'vscode';
import type { ItemModel } from '../items';

const COLLAPSIBLE = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

/** A VS Code tree item from its plain model. */
export function toTreeItem(model: ItemModel, command?: vscode.Command): vscode.TreeItem {
  const item = new vscode.TreeItem(model.label, COLLAPSIBLE[model.collapsible]);
  item.id = model.id;
  item.description = model.description;
  item.tooltip = model.tooltip;
  item.contextValue = model.contextValue;
  if (model.icon) {
    item.iconPath = new vscode.ThemeIcon(
      model.icon.id,
      model.icon.color ? new vscode.ThemeColor(model.icon.color) : undefined,
    );
  }
  item.command = command;
  return item;
}
