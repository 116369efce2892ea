"""truthline: one lineage graph from image and label to production prediction.

The Python API is the layer the CLI stands on::

    import truthline
    ws = truthline.init_workspace("my-project")      # or truthline.open_workspace(".")
    ws.add_images("images/", meta="meta.csv")
    version = ws.commit("first labels", split={"train": 0.8, "val": 0.1, "test": 0.1})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace


def open_workspace(path: Any = ".", *, database_url: str | None = None) -> Workspace:
    """Open the workspace at ``path`` or the nearest one above it."""
    from truthline.workflows.workspace import Workspace

    return Workspace.open(path, database_url=database_url)


def init_workspace(path: Any = ".", *, database_url: str | None = None) -> Workspace:
    """Create (or reopen) a workspace in ``path``."""
    from truthline.workflows.workspace import Workspace

    return Workspace.init(path, database_url=database_url)


__all__ = ["__version__", "init_workspace", "open_workspace"]
