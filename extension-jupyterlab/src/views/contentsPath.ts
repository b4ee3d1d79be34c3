/** The contents-API path of a notebook the kernel named by its file path (`JPY_SESSION_NAME`). */
export function contentsPath(notebook: string, rootUri: string | null): string {
  if (!notebook.startsWith('/') || !rootUri?.startsWith('file://')) return notebook;
  const root = decodeURIComponent(new URL(rootUri).pathname).replace(/\/+$/, '');
  if (notebook === root) return '';
  return notebook.startsWith(`${root}/`) ? notebook.slice(root.length + 1) : notebook;
}
