"""Images, annotations, commits, splits, diffs and lineage, on SQLite and PostgreSQL."""

from collections import Counter
from pathlib import Path

import pytest

import truthline
from builders import write_images, write_meta
from truthline.domain.errors import ConflictError, NotFoundError, UserInputError
from truthline.domain.labels import Label
from truthline.workflows.workspace import Workspace


def _populate(ws: Workspace, root: Path, n: int = 20, cameras: int = 4) -> list[str]:
    names = write_images(root / "imgs", n)
    meta = write_meta(
        root / "meta.csv", {nm: {"camera": f"cam{i % cameras}", "lighting": "day"} for i, nm in enumerate(names)}
    )
    ws.add_images(root / "imgs", meta=meta)
    ws.set_taxonomy(["scratch", "dent"], "first classes")
    ws.add_labels(
        {nm: [Label.box("scratch" if i % 3 else "dent", 1, 1, 5, 4, annotator="ann1")] for i, nm in enumerate(names)}
    )
    return names


def test_add_images_reads_size_and_meta(ws: Workspace, tmp_path: Path) -> None:
    names = write_images(tmp_path / "imgs", 3, size=(31, 17))
    meta = write_meta(tmp_path / "m.csv", {names[0]: {"camera": "c1", "exposure": 1.5, "n": 3}})
    res = ws.add_images(tmp_path / "imgs", meta=meta)
    assert res["added"] == 3
    node = ws.lineage(res["ids"][0])
    assert node["summary"]["width"] == 31 and node["summary"]["height"] == 17
    assert node["summary"]["meta"] == {"camera": "c1", "exposure": 1.5, "n": 3}
    again = ws.add_images(tmp_path / "imgs")
    assert again["added"] == 0 and again["existing"] == 3


@pytest.mark.parametrize(
    ("csv", "message"),
    [("name,camera\na.png,c\n", "no 'file' column"), ("file,camera\nmissing.png,c\n", "line 2")],
)
def test_bad_meta_csv_is_one_clear_error_and_adds_nothing(
    ws: Workspace, tmp_path: Path, csv: str, message: str
) -> None:
    write_images(tmp_path / "imgs", 2)
    (tmp_path / "m.csv").write_text(csv)
    with pytest.raises(UserInputError, match=message):
        ws.add_images(tmp_path / "imgs", meta=tmp_path / "m.csv")
    assert ws.doctor()["database"]["images"] == 0


def test_commit_is_deterministic_across_workspaces(tmp_path: Path, database_url: str | None) -> None:
    hashes = []
    for k in range(2):
        with truthline.init_workspace(tmp_path / f"p{k}", database_url=None if k else database_url) as w:
            _populate(w, tmp_path / f"data{k}")
            hashes.append(w.commit("v1", seed=7)["content_hash"])
    assert hashes[0] == hashes[1]
    with truthline.init_workspace(tmp_path / "p3") as w:
        _populate(w, tmp_path / "data3")
        assert w.commit("v1", seed=8, split="train=0.5,val=0.5")["content_hash"] != hashes[0]


def test_groups_stay_on_one_side_and_splits_are_never_regenerated(ws: Workspace, tmp_path: Path) -> None:
    _populate(ws, tmp_path, n=40, cameras=8)
    v1 = ws.commit("v1", group_by="camera", seed=3)
    first = {s["id"]: s for s in [ws.lineage(i) for i in _image_ids(ws)]}
    split_of = {i: n["down"]["dataset_versions"][0]["split"] for i, n in first.items()}
    cams: dict[str, set[str]] = {}
    for i, n in first.items():
        cams.setdefault(n["summary"]["meta"]["camera"], set()).add(split_of[i])
    assert all(len(s) == 1 for s in cams.values())
    # more images from existing cameras join their camera's split; old images never move
    names = write_images(tmp_path / "more", 16, start=100)
    ws.add_images(
        tmp_path / "more",
        meta=write_meta(tmp_path / "m2.csv", {n: {"camera": f"cam{i % 8}"} for i, n in enumerate(names)}),
    )
    ws.add_labels({n: [Label.box("dent", 0, 0, 2, 2)] for n in names})
    v2 = ws.commit("v2", seed=99, split="train=0.2,val=0.4,test=0.4")
    assert v2["parent"] == v1["id"]
    d = ws.diff(v1["id"], v2["id"])
    assert d["images_moved_split"] == [] and len(d["images_added"]) == 16
    for i in _image_ids(ws):
        splits = {v["split"] for v in ws.lineage(i)["down"]["dataset_versions"]}
        assert len(splits) == 1
    shown = ws.show(v2["id"])
    per_cam = Counter()
    for cam, counts in shown["stats"]["slices"]["camera"].items():
        per_cam[cam] = len(counts)
    assert set(per_cam.values()) == {1}


def _image_ids(ws: Workspace) -> list[str]:
    from sqlalchemy import select

    from truthline.store.schema import images

    with ws.read() as conn:
        return list(conn.execute(select(images.c.id)).scalars())


def test_nothing_to_commit_and_missing_group_key(ws: Workspace, tmp_path: Path) -> None:
    _populate(ws, tmp_path, n=6)
    with pytest.raises(UserInputError, match="no metadata key 'site'"):
        ws.commit("v", group_by="site")
    ws.commit("v1")
    with pytest.raises(ConflictError, match="nothing to commit"):
        ws.commit("again")
    assert len(ws.log()) == 1


def test_edits_supersede_and_show_in_diff_and_lineage(ws: Workspace, tmp_path: Path) -> None:
    names = _populate(ws, tmp_path, n=6)
    v1 = ws.commit("v1")
    ann = ws.lineage(ws.lineage(_image_ids(ws)[0])["id"])["down"]["annotations"][0]
    new = ws.edit_label(ann, Label.box("dent", 2, 2, 6, 6, annotator="reviewer"))
    with pytest.raises(UserInputError, match="already superseded"):
        ws.edit_label(ann, Label.box("dent", 0, 0, 1, 1))
    gone = ws.lineage(ws.lineage(_image_ids(ws)[1])["id"])["down"]["annotations"][0]
    ws.delete_label(gone)
    ws.set_taxonomy(["scratch", "dent", "stain"], "add stain")
    v2 = ws.commit("review")
    d = ws.diff(v1["id"], v2["id"])
    assert d["annotations_changed"] == [{"old": ann, "new": new}]
    assert d["annotations_removed"] == [gone] and d["annotations_added"] == []
    assert d["taxonomy"]["added"] == ["stain"]
    up = ws.lineage(new)
    assert up["up"]["supersedes"] == ann and up["summary"]["annotator"] == "reviewer"
    assert up["down"]["dataset_versions"] == [v2["id"]]
    old = ws.lineage(ann)
    assert old["down"]["superseded_by"] == [new] and old["down"]["dataset_versions"] == [v1["id"]]
    assert old["up"]["image"]["name"] in names
    dsv = ws.lineage(v2["id"])
    assert dsv["up"]["parent"] == v1["id"] and set(dsv["up"]["annotators"]) == {"ann1", "reviewer"}
    assert ws.lineage(v1["id"])["down"]["children"] == [v2["id"]]


def test_unknown_label_and_unknown_ids(ws: Workspace, tmp_path: Path) -> None:
    names = _populate(ws, tmp_path, n=2)
    with pytest.raises(UserInputError, match="not in the current taxonomy"):
        ws.add_labels({names[0]: [Label.box("cat", 0, 0, 1, 1)]})
    with pytest.raises(NotFoundError):
        ws.add_labels({"nope.png": [Label.box("dent", 0, 0, 1, 1)]})
    with pytest.raises(NotFoundError):
        ws.show("dsv_01J00000000000000000000000")


def test_doctor_finds_a_missing_blob(ws: Workspace, tmp_path: Path) -> None:
    _populate(ws, tmp_path, n=3)
    assert ws.doctor()["ok"]
    sha = next(ws.blobs.iter_shas())
    ws.blobs.path(sha).unlink()
    report = ws.doctor()
    assert not report["ok"] and report["blobs"]["missing_or_corrupt"] == 1


def test_commit_warns_about_leakage_and_strict_refuses(ws: Workspace, tmp_path: Path) -> None:
    names = write_images(tmp_path / "imgs", 6)
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "dup.png").write_bytes((tmp_path / "imgs" / names[0]).read_bytes())
    ws.add_images(tmp_path / "imgs")
    ws.set_taxonomy(["dent"])
    v1 = ws.commit("v1", split="train=1")
    ws.add_images(tmp_path / "copy")
    with pytest.raises(ConflictError, match="leak across splits"):
        ws.commit("v2", split="train=0.5,test=0.5", strict=True, seed=1)
    assert [v["id"] for v in ws.log()] == [v1["id"]]
    v2 = ws.commit("v2", split="train=0.5,test=0.5", seed=1)
    split_of = {
        n["summary"]["name"]: n["down"]["dataset_versions"][-1]["split"] for n in map(ws.lineage, _image_ids(ws))
    }
    if split_of["dup.png"] != "train":
        assert v2["leakage"] == [{"a": names[0], "b": "dup.png", "distance": 0}] or v2["leakage"][0]["distance"] == 0
