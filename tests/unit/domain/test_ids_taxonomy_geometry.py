import numpy as np
import pytest
from pycocotools import mask as mask_utils

from truthline.domain.errors import UserInputError
from truthline.domain.geometry import GeometryKind, bounding_box
from truthline.domain.ids import Kind, expect_kind, kind_of, new_id
from truthline.domain.labels import Label
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass, diff_taxonomies


def test_ids_are_typed_and_sortable() -> None:
    a, b = new_id(Kind.DATASET_VERSION), new_id(Kind.DATASET_VERSION)
    assert a.startswith("dsv_") and len(a) == 30
    assert kind_of(a) is Kind.DATASET_VERSION
    assert kind_of("a" * 64) is None
    assert expect_kind(a, Kind.DATASET_VERSION) == a
    with pytest.raises(UserInputError):
        expect_kind(a, Kind.IMAGE)
    with pytest.raises(UserInputError):
        kind_of("42")
    assert a <= b or a[:14] == b[:14]  # ULIDs order by time to the millisecond


def test_taxonomy_keeps_order_and_diffs_by_name() -> None:
    a = Taxonomy((TaxonomyClass("dent", "a dent"), TaxonomyClass("scratch", "a line")))
    b = Taxonomy((TaxonomyClass("scratch", "a thin line"), TaxonomyClass("dent", "a dent"), TaxonomyClass("stain")))
    assert b.names == ["scratch", "dent", "stain"]
    d = diff_taxonomies(a, b)
    assert d.added == ["stain"] and d.removed == [] and d.guideline_changed == ["scratch"] and d.reordered
    assert diff_taxonomies(a, a).empty
    assert a.content_hash != b.content_hash
    with pytest.raises(UserInputError):
        Taxonomy.of(["x", "x"])


def test_label_validation_and_hash() -> None:
    assert Label.box("a", 1, 2, 3, 4).content_hash == Label.box("a", 1, 2, 3, 4).content_hash
    assert Label.box("a", 1, 2, 3, 4).content_hash != Label.box("a", 1, 2, 3, 5).content_hash
    with pytest.raises(UserInputError):
        Label.box("a", 0, 0, -1, 2)
    with pytest.raises(UserInputError):
        Label(label="a", kind="polygon", geometry={})  # type: ignore[arg-type]


def test_mask_bounds_match_pycocotools() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = np.zeros((13, 9), np.uint8, order="F")
        y0, x0 = rng.integers(0, 10), rng.integers(0, 6)
        m[y0 : y0 + rng.integers(1, 4), x0 : x0 + rng.integers(1, 4)] = 1
        rle = mask_utils.encode(np.asfortranarray(m))
        # uncompressed counts in COCO's column-major order
        flat = m.flatten(order="F")
        counts, cur, run = [], 0, 0
        for v in flat:
            if v != cur:
                counts.append(run)
                cur, run = v, 0
            run += 1
        counts.append(run)
        got = bounding_box(GeometryKind.MASK, {"rle": {"size": [13, 9], "counts": counts}})
        assert got == tuple(float(v) for v in mask_utils.toBbox(rle))


def test_batch_ids_are_valid_ulids_of_the_kind() -> None:
    import time

    from ulid import ULID

    from truthline.domain.ids import new_ids

    before = time.time()
    ids = new_ids(Kind.ANNOTATION, 1000)
    assert len(set(ids)) == 1000 and ids == sorted(ids) and new_ids(Kind.ANNOTATION, 0) == []
    for i in ids[:50]:
        assert kind_of(i) is Kind.ANNOTATION and str(ULID.from_str(i[4:])) == i[4:]
        assert abs(ULID.from_str(i[4:]).timestamp - before) < 5
