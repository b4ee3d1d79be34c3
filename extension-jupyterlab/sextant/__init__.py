"""Sextant for IPython kernels: ``%load_ext sextant`` registers the magics and the cell tracker."""

import warnings

with warnings.catch_warnings():
    # mlflow's import pulls in tqdm.auto, which warns in every kernel without ipywidgets about
    # progress bars (red text under `%load_ext sextant`); Sextant draws none.
    warnings.filterwarnings("ignore", message="IProgress not found")
    from .magics import SextantMagics
    from .tracker import CellTracker

__all__ = ["load_ipython_extension", "unload_ipython_extension", "_jupyter_labextension_paths"]

_tracker: CellTracker | None = None


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt JupyterLab extension lies in a source checkout, for ``jupyter
    labextension develop``; an installed wheel carries it in share/jupyter/labextensions only."""
    return [{"src": "labextension", "dest": "@sextant/jupyterlab"}]


def load_ipython_extension(ipython) -> None:
    """Called by ``%load_ext sextant``."""
    global _tracker
    if _tracker is not None:
        return
    _tracker = CellTracker(ipython)
    _tracker.register()
    ipython.register_magics(SextantMagics(ipython, _tracker))


def unload_ipython_extension(ipython) -> None:
    """Called by ``%unload_ext sextant``: stops cell tracking."""
    global _tracker
    if _tracker is not None:
        _tracker.unregister()
        _tracker = None
