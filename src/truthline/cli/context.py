"""Options every command shares (workspace, debug), and opening the workspace they name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace


@dataclass
class Options:
    workspace: Path | None = None
    debug: bool = False


options = Options()


def open_ws() -> Workspace:
    """The workspace named by --workspace, else the nearest one above the working directory."""
    from truthline.workflows.workspace import Workspace

    return Workspace.open(options.workspace or Path.cwd())
