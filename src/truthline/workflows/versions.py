"""Dataset versions: commit the working set with stored splits, and log, show and diff versions."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import ConflictError, NotFoundError, UserInputError
from truthline.domain.ids import Kind, expect_kind, new_id
from truthline.domain.splits import DEFAULT_SPLIT, assign_splits, check_split, parse_split_spec
from truthline.domain.taxonomy import diff_taxonomies
from truthline.store import refs
from truthline.store import versions as version_rows
from truthline.store.annotations import current_of_staged
from truthline.store.events import log_event
from truthline.store.images import staged_blobs, staged_images
from truthline.store.schema import annotation_table, images
from truthline.workflows.leakage import COMMIT_MAX_IMAGES, commit_leakage, ensure_phashes
from truthline.workflows.taxonomy import load as load_taxonomy

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from truthline.workflows.workspace import OnProgress, Workspace

MAX_SLICE_VALUES = 50  # a metadata key with more distinct values is an identifier, not a slice key


def _noop(stage: str, done: int, total: int) -> None:
    return None


def commit(
    ws: Workspace,
    message: str,
    *,
    split: Mapping[str, float] | str | None = None,
    group_by: str | None = None,
    seed: int = 0,
    source_splits: bool = True,
    strict: bool = False,
    on_progress: OnProgress | None = None,
) -> dict[str, Any]:
    """Freeze the working set as a new immutable dataset version.

    Images that are identical or near-identical across two splits (leakage) are returned as ``leakage``
    warnings; with ``strict`` they stop the commit.

    Images already in the parent version keep their split. New images that an imported file put in a
    split (COCO ``instances_val.json``, YOLO ``val:``) keep that split unless ``source_splits`` is off.
    The rest are assigned by
    :func:`assign_splits`, a whole group (``group_by`` metadata value) to one split. The content hash
    covers the taxonomy, every image's name, bytes and split, and every live annotation's content, so
    the same inputs and seed give the same hash in any workspace.
    """
    if not message.strip():
        raise UserInputError("a commit needs a message", fix="pass -m 'what changed'")
    progress = on_progress or _noop
    with ws.read() as conn:
        staged_shas = staged_blobs(conn, COMMIT_MAX_IMAGES + 1)
    progress("hashing images for leakage", 0, 1)
    hashes = ensure_phashes(ws, staged_shas) if len(staged_shas) <= COMMIT_MAX_IMAGES else {}
    with ws.transaction(snapshot=True) as conn:
        tax_id, _, tax_row = load_taxonomy(conn, None)
        parent_id = refs.get_ref(conn, refs.HEAD)
        parent = version_rows.get_version(conn, parent_id) if parent_id else None
        fractions = _fractions(split, parent)
        if group_by is None and parent is not None:
            group_by = parent.group_by
        progress("reading the working set", 0, 3)
        rows = staged_images(conn)
        if not rows:
            raise UserInputError("the working set has no images", fix="add some with `truthline dataset add-images`")
        if group_by is not None and any(group_by not in r.meta for r in rows):
            missing = next(r.name for r in rows if group_by not in r.meta)
            raise UserInputError(
                f"image {missing!r} has no metadata key {group_by!r} to group by",
                fix="add the column to the metadata CSV or drop --group-by",
            )
        placed = version_rows.version_splits(conn, parent_id) if parent_id else {}
        if source_splits:
            for r in rows:
                source_split = (r.meta.get("_source") or {}).get("split")
                if source_split and r.id not in placed:
                    placed[r.id] = str(source_split)
        items = [(r.id, f"g:{r.meta[group_by]}" if group_by else f"i:{r.name}:{r.blob_sha}") for r in rows]
        parent_groups = _group_splits(items, placed)
        splits = assign_splits(items, fractions, seed, placed=placed, group_splits=parent_groups)
        leaks = commit_leakage(hashes, rows, splits)
        if leaks and strict:
            first = leaks[0]
            raise ConflictError(
                f"{len(leaks)} image pair(s) leak across splits, e.g. {first['a']} ~ {first['b']}",
                fix="remove the copies (truthline dataset remove) or commit without --strict",
            )
        progress("hashing annotations", 1, 3)
        ann_by_image: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        ann_ids: list[str] = []
        q = current_of_staged(
            [
                annotation_table.c.id,
                annotation_table.c.image_id,
                annotation_table.c.content_hash,
                annotation_table.c.label,
            ]
        )
        for ann_id, image_id, chash, label in conn.execute(q):
            ann_ids.append(ann_id)
            ann_by_image[image_id].append((chash, label))
        content_hash = _version_hash(tax_row.content_hash, rows, splits, ann_by_image)
        if parent is not None and parent.content_hash == content_hash:
            raise ConflictError(
                f"nothing to commit: the working set equals {parent_id}",
                fix="add images or annotations, or change the taxonomy",
            )
        stats = _stats(rows, splits, ann_by_image)
        vid = new_id(Kind.DATASET_VERSION)
        progress("writing the version", 2, 3)
        n_ann = len(ann_ids)
        version_rows.insert_version(
            conn,
            {
                "id": vid,
                "parent_id": parent_id,
                "taxonomy_id": tax_id,
                "message": message,
                "content_hash": content_hash,
                "split_spec": fractions,
                "group_by": group_by,
                "seed": seed,
                "n_images": len(rows),
                "n_annotations": n_ann,
                "stats": stats,
                "actor": ws.actor,
            },
            splits,
            ann_ids,
        )
        refs.set_ref(conn, refs.HEAD, vid)
        log_event(
            conn, ws.actor, vid, "dataset_version.committed", parent=parent_id, taxonomy=tax_id, hash=content_hash
        )
        progress("done", 3, 3)
    return {
        "id": vid,
        "content_hash": content_hash,
        "parent": parent_id,
        "n_images": len(rows),
        "n_annotations": n_ann,
        "leakage": leaks,
    }


def _fractions(split: Mapping[str, float] | str | None, parent: Any) -> dict[str, float]:
    if isinstance(split, str):
        return parse_split_spec(split)
    if split is not None:
        return check_split(split)
    return dict(parent.split_spec) if parent is not None else dict(DEFAULT_SPLIT)


def _group_splits(items: list[tuple[str, str]], placed: Mapping[str, str]) -> dict[str, str]:
    """The split each group already lives in (its most common split among placed images)."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for key, group in items:
        if key in placed:
            votes[group][placed[key]] += 1
    return {g: c.most_common(1)[0][0] for g, c in votes.items()}


def _version_hash(
    tax_hash: str, rows: list[Any], splits: Mapping[str, str], ann_by_image: Mapping[str, list[tuple[str, str | None]]]
) -> str:
    h = hashlib.sha256(f"truthline-dataset-version-1\n{tax_hash}\n".encode())
    for r in sorted(rows, key=lambda r: (r.name, r.blob_sha)):
        anns = ",".join(sorted(c for c, _ in ann_by_image.get(r.id, ())))
        h.update(f"{r.name}\t{r.blob_sha}\t{splits[r.id]}\t{anns}\n".encode())
    return h.hexdigest()


def _stats(
    rows: list[Any], splits: Mapping[str, str], ann_by_image: Mapping[str, list[tuple[str, str | None]]]
) -> dict[str, Any]:
    """Per split: images, annotations and class counts; per metadata key: image counts per value and split."""
    per_split: dict[str, dict[str, Any]] = {}
    values: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for r in rows:
        s = splits[r.id]
        entry = per_split.setdefault(s, {"images": 0, "annotations": 0, "classes": Counter()})
        entry["images"] += 1
        anns = ann_by_image.get(r.id, ())
        entry["annotations"] += len(anns)
        entry["classes"].update(label or "(unlabelled)" for _, label in anns)
        for key, value in r.meta.items():
            if isinstance(value, str | int | float | bool) or value is None:
                values[key][str(value)][s] += 1
    slices = {
        key: {v: dict(c) for v, c in sorted(vals.items())}
        for key, vals in sorted(values.items())
        if len(vals) <= MAX_SLICE_VALUES
    }
    return {
        "splits": {s: {**e, "classes": dict(sorted(e["classes"].items()))} for s, e in sorted(per_split.items())},
        "slices": slices,
    }


def _info(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "parent": row.parent_id,
        "taxonomy": row.taxonomy_id,
        "message": row.message,
        "content_hash": row.content_hash,
        "n_images": row.n_images,
        "n_annotations": row.n_annotations,
        "split_spec": row.split_spec,
        "group_by": row.group_by,
        "seed": row.seed,
        "actor": row.actor,
        "created_at": row.created_at.isoformat(),
    }


def resolve(conn: Connection, version: str | None) -> Any:
    """The version row for an id (or ``head``/None for the newest)."""
    if version in (None, "head", "HEAD"):
        version = refs.get_ref(conn, refs.HEAD)
        if version is None:
            raise NotFoundError("no dataset version yet", fix="run `truthline dataset commit -m MSG`")
    assert version is not None
    expect_kind(version, Kind.DATASET_VERSION)
    row = version_rows.get_version(conn, version)
    if row is None:
        raise NotFoundError(f"no dataset version {version}", fix="see `truthline dataset log`")
    return row


def log(ws: Workspace) -> list[dict[str, Any]]:
    with ws.read() as conn:
        return [_info(r) for r in version_rows.list_versions(conn)]


def show(ws: Workspace, version: str | None = None) -> dict[str, Any]:
    with ws.read() as conn:
        row = resolve(conn, version)
        return {**_info(row), "stats": row.stats, "children": version_rows.children(conn, row.id)}


def diff(ws: Workspace, a: str, b: str) -> dict[str, Any]:
    """Images added and removed, annotations added, removed and changed, class counts and taxonomy diff."""
    with ws.read() as conn:
        ra, rb = resolve(conn, a), resolve(conn, b)
        sa, sb = version_rows.version_splits(conn, ra.id), version_rows.version_splits(conn, rb.id)
        aa = set(version_rows.version_annotation_ids(conn, ra.id))
        ab = set(version_rows.version_annotation_ids(conn, rb.id))
        added_ann, removed_ann = ab - aa, aa - ab
        changed = _supersessions(conn, added_ann, removed_ann)
        names = _image_names(conn, set(sa) ^ set(sb))
        _, ta, _ = load_taxonomy(conn, ra.taxonomy_id)
        _, tb, _ = load_taxonomy(conn, rb.taxonomy_id)
    moved = sorted(i for i in set(sa) & set(sb) if sa[i] != sb[i])
    changed_new = {n for _, n in changed}
    changed_old = {o for o, _ in changed}
    return {
        "from": ra.id,
        "to": rb.id,
        "images_added": sorted(names[i] for i in set(sb) - set(sa)),
        "images_removed": sorted(names[i] for i in set(sa) - set(sb)),
        "images_moved_split": moved,
        "annotations_added": sorted(added_ann - changed_new),
        "annotations_removed": sorted(removed_ann - changed_old),
        "annotations_changed": [{"old": o, "new": n} for o, n in sorted(changed)],
        "class_counts": {
            ra.id: {s: e["classes"] for s, e in ra.stats["splits"].items()},
            rb.id: {s: e["classes"] for s, e in rb.stats["splits"].items()},
        },
        "taxonomy": {"from": ra.taxonomy_id, "to": rb.taxonomy_id, **diff_taxonomies(ta, tb).to_dict()},
    }


def _supersessions(conn: Connection, added: set[str], removed: set[str]) -> list[tuple[str, str]]:
    """(old, new) pairs where an added annotation supersedes (directly or through a chain) a removed one."""
    from sqlalchemy import select

    if not added or not removed:
        return []
    out = []
    added_list = sorted(added)
    for i in range(0, len(added_list), 500):
        q = select(annotation_table.c.id, annotation_table.c.supersedes).where(
            annotation_table.c.id.in_(added_list[i : i + 500])
        )
        for new, old in conn.execute(q):
            seen = set()
            while old is not None and old not in removed and old not in seen:
                seen.add(old)
                old = conn.execute(select(annotation_table.c.supersedes).where(annotation_table.c.id == old)).scalar()
            if old is not None and old in removed:
                out.append((old, new))
    return out


def _image_names(conn: Connection, ids: set[str]) -> dict[str, str]:
    from sqlalchemy import select

    out: dict[str, str] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), 500):
        q = select(images.c.id, images.c.name).where(images.c.id.in_(id_list[i : i + 500]))
        out.update(dict(conn.execute(q).all()))
    return out
