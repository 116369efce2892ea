"""Label QA quality: classification label errors (digits), detection label errors (synth), leakage (synth).

    python benchmarks/qa_quality.py            # prints the three figures beside cleanlab's / imagehash's

imagehash is measured when importable (it is not a dependency): ``pip install imagehash`` or put it on
PYTHONPATH. The detector is simulated from the clean synthetic truth (``truthline.qa.simulate_predictions``:
jittered boxes, 5% misses, weak false positives, 3% class confusion), so the figures measure the error
finder, not a model.
"""

from __future__ import annotations

import time
import warnings

import cv2
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from truthline.qa import (
    ImageBoxes,
    classification_label_scores,
    find_detection_errors,
    flip_labels,
    inject_box_errors,
    iou_matrix,
    leakage,
    phash_many,
    simulate_predictions,
)
from truthline.qa.label_errors import ClassificationErrorConfig
from truthline.synth import generate_images, taxonomy

KINDS = ("missing_box", "spurious_box", "wrong_class", "bad_localisation")


def classification(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    from cleanlab.filter import find_label_issues

    x, y = load_digits(return_X_y=True)
    print("## classification label errors: digits, 10% flipped, 5-fold logistic regression")
    print("| seed | truthline F1 | truthline AUROC | cleanlab default F1 | cleanlab 'both' F1 |")
    print("|---|---|---|---|---|")
    for seed in seeds:
        noisy, flipped = flip_labels(y, 10, 0.1, seed=seed)
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probs = cross_val_predict(LogisticRegression(max_iter=2000), x, noisy, cv=cv, method="predict_proba")
        mask, score = classification_label_scores(noisy, probs)
        default = find_label_issues(noisy, probs)
        both = classification_label_scores(noisy, probs, ClassificationErrorConfig(filter_by="both"))[0]
        print(
            f"| {seed} | {f1_score(flipped, mask):.3f} | {roc_auc_score(flipped, score):.4f} "
            f"| {f1_score(flipped, default):.3f} | {f1_score(flipped, both):.3f} |"
        )


def _xyxy(b: np.ndarray) -> np.ndarray:
    return np.c_[b[:, :2], b[:, :2] + b[:, 2:]] if len(b) else np.zeros((0, 4))


def _cleanlab_od(noisy: list[ImageBoxes], preds: list[ImageBoxes], classes: list[str]) -> np.ndarray:
    from cleanlab.object_detection.filter import find_label_issues

    pos = {c: i for i, c in enumerate(classes)}
    labels = [{"bboxes": _xyxy(g.boxes), "labels": np.array([pos[c] for c in g.labels], dtype=int)} for g in noisy]
    predictions = []
    for p in preds:
        scores = p.scores if p.scores is not None else np.ones(len(p))
        per = [np.zeros((0, 5), dtype=np.float32) for _ in classes]
        for c in classes:
            m = np.array([lab == c for lab in p.labels], dtype=bool)
            if m.any():
                per[pos[c]] = np.c_[_xyxy(p.boxes[m]), scores[m]].astype(np.float32)
        predictions.append(np.array(per, dtype=object))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(find_label_issues(labels, predictions), dtype=bool)


def detection(n: int = 400, seed: int = 0) -> None:
    records = list(generate_images("shelf", n, seed=seed))
    classes = taxonomy("shelf").box_names
    truth = [ImageBoxes.from_dicts(r.file_name, r.annotations, width=r.width, height=r.height) for r in records]
    rates = {"wrong_class": 0.02, "missing_box": 0.02, "spurious_box": 0.3, "bad_localisation": 0.02}
    noisy, injected = inject_box_errors(truth, classes, rates=rates, seed=seed + 1)
    preds = simulate_predictions(truth, classes, seed=seed + 2)
    t = time.perf_counter()
    res = find_detection_errors(noisy, preds)
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    flagged = _cleanlab_od(noisy, preds, classes)
    cl_s = time.perf_counter() - t
    flagged_images = {g.image for g, f in zip(noisy, flagged, strict=True) if f}
    our_images = {i.image for i in res.issues}
    print(f"\n## detection label errors: synth shelf, {n} images, {sum(len(g) for g in noisy)} boxes")
    print("| kind | injected | truthline recall (box) | truthline precision | truthline recall (image) "
          "| cleanlab recall (image) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for kind in KINDS:
        errs = [e for e in injected if e.kind == kind]
        found = res.by_kind(kind)
        if kind == "missing_box":
            near = [(f.image, f.suggested_bbox) for f in found]
            hit = [
                e
                for e in errs
                if any(i == e.image and iou_matrix([b], [e.original["bbox"]])[0, 0] >= 0.5 for i, b in near)
            ]  # type: ignore[index]
        else:
            keys = {(f.image, f.index) for f in found}
            hit = [e for e in errs if (e.image, e.index) in keys]
        img_ours = np.mean([e.image in our_images for e in errs])
        img_cl = np.mean([e.image in flagged_images for e in errs])
        print(
            f"| {kind} | {len(errs)} | {len(hit) / len(errs):.2f} | {len(hit) / max(1, len(found)):.2f} "
            f"| {img_ours:.2f} | {img_cl:.2f} |"
        )
    print(
        f"\nimages flagged: truthline {len(our_images)}/{n}, cleanlab {len(flagged_images)}/{n}; "
        f"time: truthline {ours_s:.2f} s, cleanlab {cl_s:.2f} s"
    )


def _copy(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    dx, dy = [(1, 0), (0, 1), (-1, 0), (0, -1)][rng.integers(4)]
    shifted = cv2.warpAffine(
        img, np.float32([[1, 0, dx], [0, 1, dy]]), img.shape[1::-1], borderMode=cv2.BORDER_REPLICATE
    )
    _ok, buf = cv2.imencode(".jpg", shifted, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 96))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _f1(pred: set[int], truth: set[int]) -> tuple[float, float, float]:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def leak(n_train: int = 2000, n_test: int = 500, seed: int = 0) -> None:
    cond = ["lighting=night:0.3-0.7@0.2", "noise:0.1-0.4@0.3", "displacement:0.2-0.6@0.3", "jpeg:0.1-0.5@0.2"]
    train = [r.image for r in generate_images("shelf", n_train, seed=seed + 10, conditions=cond)]
    test = [r.image for r in generate_images("shelf", n_test, seed=seed + 11, conditions=cond)]
    rng = np.random.default_rng(seed)
    copies = rng.choice(n_test, n_test // 20, replace=False)
    for i, j in zip(copies, rng.choice(n_train, len(copies), replace=False), strict=True):
        test[i] = _copy(train[j], rng)
    truth = set(copies.tolist())
    t = time.perf_counter()
    htr, hte = phash_many(train), phash_many(test)
    hash_s = time.perf_counter() - t
    t = time.perf_counter()
    res = leakage(htr, hte)
    match_s = time.perf_counter() - t
    p, r, f = _f1({int(i.image) for i in res.issues if i.image is not None}, truth)
    print(f"\n## leakage: synth shelf, {n_train} train / {n_test} test, {len(truth)} test images are train copies "
          "shifted 1 px + JPEG 70-95")  # fmt: skip
    print("| method | precision | recall | F1 | hashing ms/image |")
    print("|---|---|---|---|---|")
    ms = 1000 * hash_s / (n_train + n_test)
    print(f"| truthline pHash 255 bit, distance <= 40 | {p:.3f} | {r:.3f} | {f:.3f} | {ms:.3f} |")
    try:
        import imagehash
        from PIL import Image
    except ImportError:
        print("| imagehash | not installed | | | |")
    else:

        def ih(imgs: list[np.ndarray], size: int) -> np.ndarray:
            return np.array(
                [imagehash.phash(Image.fromarray(im[:, :, ::-1]), hash_size=size).hash.ravel() for im in imgs]
            )

        for size, thr in ((8, 10), (16, 40)):
            t = time.perf_counter()
            a, b = ih(train, size), ih(test, size)
            s = time.perf_counter() - t
            d = np.array([(row[None, :] != a).sum(1).min() for row in b])
            p, r, f = _f1(set(np.flatnonzero(d <= thr).tolist()), truth)
            print(f"| imagehash.phash {size * size} bit, distance <= {thr} | {p:.3f} | {r:.3f} | {f:.3f} "
                  f"| {1000 * s / (n_train + n_test):.3f} |")  # fmt: skip
    print(f"\nmatching {n_test} x {n_train} hashes: {1000 * match_s:.1f} ms")


if __name__ == "__main__":
    classification()
    detection()
    leak()
