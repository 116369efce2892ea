"""Image files: display size with EXIF orientation applied (header only), and locating an image by name.

Convention: truthline coordinates are in the displayed frame, i.e. after the EXIF orientation tag is
applied. An image stored 4000x3000 with orientation 6 (rotate 90°) is 3000 wide and 4000 high.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from truthline.domain.errors import FormatError
from truthline.domain.records import DatasetContent

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".mpo", ".pfm", ".dng")
_ORIENTATION_TAG = 274
_SWAPPED = {5, 6, 7, 8}


def exif_orientation(path: Path) -> int:
    """The EXIF orientation (1-8) of an image, 1 when absent. Reads the header only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                value = im.getexif().get(_ORIENTATION_TAG, 1)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise FormatError(f"cannot read the image header: {e}", where=str(path), fix="check the file") from None
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def read_image_size(path: Path | BinaryIO) -> tuple[int, int]:
    """``(width, height)`` of an image (a file or its bytes as a stream) as displayed (EXIF orientation applied),
    without decoding pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                w, h = im.size
                orientation = im.getexif().get(_ORIENTATION_TAG, 1)
    except FileNotFoundError:
        raise FormatError(f"image not found: {path}", where=str(path), fix="pass --images DIR") from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise FormatError(f"cannot read the image header: {e}", where=str(path), fix="check the file") from None
    return (h, w) if orientation in _SWAPPED else (w, h)


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


def first_existing(candidates: Iterable[Path]) -> Path | None:
    for c in candidates:
        if c.is_file():
            return c
    return None


def fill_sizes(content: DatasetContent) -> None:
    """Set width and height from the image file where the format did not carry them."""
    for rec in content.images:
        if (rec.width is None or rec.height is None) and rec.path is not None and rec.path.is_file():
            rec.width, rec.height = read_image_size(rec.path)


def unique_names(names: list[str], prefixes: list[str | None]) -> list[str]:
    """Make image names unique by prefixing a clashing name with its split (or a counter)."""
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    out, used = [], set()
    for n, p in zip(names, prefixes, strict=True):
        name = n if seen[n] == 1 else f"{p}/{n}" if p else n
        k = 1
        base = name
        while name in used:
            k += 1
            name = f"{base}~{k}"
        used.add(name)
        out.append(name)
    return out
