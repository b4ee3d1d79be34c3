import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, type WidgetTracker } from '@jupyterlab/apputils';
import type { Widget } from '@lumino/widgets';
import { sextantIcon } from '../icons.js';

/**
 * Brings forward the panel of `tracker` whose content `matches`, or puts the one `create` makes
 * in the main area (its tab label following the panel's) and tracks it.
 */
export function showInMain<T extends Widget>(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<MainAreaWidget<T>>,
  matches: (content: T) => boolean,
  create: () => T,
): MainAreaWidget<T> {
  const open = tracker.find((widget) => matches(widget.content));
  if (open) {
    app.shell.activateById(open.id);
    return open;
  }
  const content = create();
  const widget = new MainAreaWidget({ content });
  widget.id = `${content.id}-area`;
  widget.title.icon = sextantIcon;
  const follow = (): void => {
    widget.title.label = content.title.label;
    widget.title.caption = content.title.caption;
  };
  content.title.changed.connect(follow);
  follow();
  app.shell.add(widget, 'main');
  app.shell.activateById(widget.id);
  void tracker.add(widget);
  return widget;
}
