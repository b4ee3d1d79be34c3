/**
 * What Sextant's tree views share: the change event VS Code listens to, the subscriptions that
 * keep a tree live, one debounce timer for bursts of server notifications, and their disposal.
 */
import * as vscode from 'vscode';

/** A tree data provider kept live by subscriptions; subclasses supply the items and children. */
export abstract class LiveTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  /** Fire with a node to redraw it, with undefined to redraw the whole tree. */
  protected readonly changed = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Disposed with the tree. */
  protected readonly subscriptions: { dispose(): void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  abstract getTreeItem(node: T): vscode.TreeItem;
  abstract getChildren(node?: T): Promise<T[]>;

  /** Runs `update` once, `delayMs` after the last of a burst of calls. */
  protected debounce(delayMs: number, update: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(update, delayMs);
  }

  /** The parent of a node: none is tracked, so `reveal` reaches top-level nodes. */
  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
