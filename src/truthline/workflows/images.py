"""Adding images to the working set: bytes into the blob store first, then rows in one transaction."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import NotFoundError, UserInputError
from truthline.domain.ids import Kind, kind_of, new_id
from truthline.formats import read_image_size
from truthline.store import images as image_rows
from truthline.store.events import log_event

if TYPE_CHECKING:
    from truthline.workflows.workspace import OnProgress, Workspace

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def media_type(name: str) -> str:
    ext = Path(name).suffix.lower().lstrip(".")
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "tif": "image/tiff"}.get(ext, f"image/{ext or 'unknown'}")


def _coerce(value: str) -> Any:
    """CSV cells become int, float or bool where they clearly are one, else stay text."""
    v = value.strip()
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def read_meta_csv(path: Path, directory: Path) -> dict[str, dict[str, Any]]:
    """Rows of a metadata CSV keyed by the ``file`` column (a path relative to the image folder)."""
    if not path.is_file():
        raise UserInputError(f"metadata file not found: {path}", fix="pass an existing CSV with --meta")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise UserInputError(
                f"metadata CSV has no 'file' column (columns: {reader.fieldnames})",
                where=f"{path}:line 1",
                fix="add a 'file' column naming each image relative to the image folder",
            )
        out: dict[str, dict[str, Any]] = {}
        for row in reader:
            name = (row.get("file") or "").strip().replace("\\", "/")
            where = f"{path}:line {reader.line_num}"
            if not name:
                raise UserInputError("empty 'file' cell", where=where, fix="name the image file")
            if not (directory / name).is_file():
                raise UserInputError(
                    f"file {name!r} is not in {directory}", where=where, fix="fix the path or add the image"
                )
            if name in out:
                raise UserInputError(f"file {name!r} is listed twice", where=where, fix="keep one row per image")
            out[name] = {k: _coerce(v) for k, v in row.items() if k != "file" and k is not None and v not in (None, "")}
    return out


def add_images(
    ws: Workspace, directory: Path, meta_csv: Path | None, on_progress: OnProgress | None = None
) -> dict[str, Any]:
    """Add every image file under ``directory``; metadata from the CSV's other columns."""
    if not directory.is_dir():
        raise UserInputError(f"image folder not found: {directory}", fix="pass an existing folder")
    meta = read_meta_csv(meta_csv, directory) if meta_csv else {}
    files = sorted(p for p in directory.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise UserInputError(
            f"no images in {directory}", fix=f"add files ending in {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    staged: list[dict[str, Any]] = []
    blob_rows: list[tuple[str, int, str]] = []
    sizes = [read_image_size(p) for p in files]  # an unreadable image stops the import before anything is copied

    def copied(k: int) -> None:
        if on_progress:
            on_progress("copying images", k, len(files))

    stored = ws.blobs.put_files(files, copied)  # blobs land before any row refers to them
    for p, (w, h), (sha, size) in zip(files, sizes, stored, strict=True):
        name = p.relative_to(directory).as_posix()
        blob_rows.append((sha, size, media_type(name)))
        staged.append({"name": name, "blob_sha": sha, "width": w, "height": h, "meta": meta.get(name, {})})
    return _insert(ws, staged, blob_rows, update_meta=bool(meta))


def add_image_bytes(ws: Workspace, items: Sequence[tuple[str, bytes, Mapping[str, Any]]]) -> list[str]:
    """Add images given as (name, encoded bytes, metadata); returns their ids in order."""
    import io

    staged, blob_rows = [], []
    for name, data, meta in items:
        w, h = read_image_size(io.BytesIO(data))
        sha = ws.blobs.put_bytes(data)
        blob_rows.append((sha, len(data), media_type(name)))
        staged.append({"name": name, "blob_sha": sha, "width": w, "height": h, "meta": dict(meta)})
    result = _insert(ws, staged, blob_rows, update_meta=True)
    return list(result["ids"])


def _insert(
    ws: Workspace, staged: list[dict[str, Any]], blob_rows: list[tuple[str, int, str]], *, update_meta: bool
) -> dict[str, Any]:
    with ws.transaction() as conn:
        image_rows.ensure_blobs(conn, blob_rows)
        known = image_rows.existing_images(conn, [(r["name"], r["blob_sha"]) for r in staged])
        new, ids = [], []
        for r in staged:
            iid = known.get((r["name"], r["blob_sha"]))
            if iid is None:
                iid = new_id(Kind.IMAGE)
                new.append({**r, "id": iid})
                known[(r["name"], r["blob_sha"])] = iid
            elif update_meta and r["meta"]:
                image_rows.set_meta(conn, iid, r["meta"])
            ids.append(iid)
        image_rows.insert_images(conn, new)
        image_rows.set_removed(conn, ids, removed=False)
        for r in new:
            log_event(conn, ws.actor, r["id"], "image.added", name=r["name"], blob=r["blob_sha"])
    return {"added": len(new), "existing": len(staged) - len(new), "ids": ids}


def resolve_images(ws: Workspace, refs: Sequence[str]) -> list[str]:
    """Image ids for refs that are ids (``img_…``) or names in the working set."""
    names = [r for r in refs if not _is_image_id(r)]
    with ws.read() as conn:
        by_name = image_rows.image_ids_by_name(conn, names)
    missing = [n for n in names if n not in by_name]
    if missing:
        raise NotFoundError(f"no image named {missing[0]!r} in the working set", fix="see `truthline dataset show`")
    return [r if _is_image_id(r) else by_name[r] for r in refs]


def _is_image_id(ref: str) -> bool:
    try:
        return kind_of(ref) is Kind.IMAGE
    except UserInputError:
        return False


def remove_images(ws: Workspace, refs: Sequence[str]) -> int:
    """Take images out of the working set; the next commit leaves them out. Nothing is deleted."""
    ids = resolve_images(ws, refs)
    with ws.transaction() as conn:
        n = image_rows.set_removed(conn, ids, removed=True)
        for iid in ids:
            log_event(conn, ws.actor, iid, "image.removed")
    return n
