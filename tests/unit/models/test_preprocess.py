"""The one preprocessing path: geometry, colour, normalisation, box transforms, hashing and the spec check."""

from __future__ import annotations

import numpy as np
import pytest

from truthline.domain.errors import FormatError, UserInputError
from truthline.models import PreprocessSpec, check_same_spec, preprocess


def _image(w: int, h: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = 10  # B
    img[..., 2] = 200  # R
    return img


def test_resize_rgb_scale_and_nchw() -> None:
    spec = PreprocessSpec(input_size=(32, 16), mode="resize", colour="rgb", scale=1 / 255)
    x, (t,) = preprocess([_image(64, 64)], spec)
    assert x.shape == (1, 3, 16, 32) and x.dtype == np.float32
    assert np.allclose(x[0, 0], 200 / 255) and np.allclose(x[0, 2], 10 / 255)  # R first
    assert (t.scale_x, t.scale_y) == (0.5, 0.25)


def test_mean_std_and_bgr() -> None:
    spec = PreprocessSpec(input_size=(8, 8), colour="bgr", scale=1.0, mean=(10, 0, 200), std=(2, 1, 4))
    x, _ = preprocess([_image(8, 8)], spec)
    assert np.allclose(x[0, 0], 0.0) and np.allclose(x[0, 2], 0.0)
    spec2 = PreprocessSpec(input_size=(8, 8), colour="bgr", scale=1.0, mean=(0, 0, 100), std=(1, 1, 4))
    x2, _ = preprocess([_image(8, 8)], spec2)
    assert np.allclose(x2[0, 2], 25.0)


def test_letterbox_pads_like_ultralytics_and_boxes_round_trip() -> None:
    spec = PreprocessSpec.ultralytics(64)
    x, (t,) = preprocess([_image(200, 100)], spec)  # scale 0.32 -> 64x32, 16 px grey above and below
    assert x.shape == (1, 3, 64, 64)
    assert np.allclose(x[0, :, :16], 114 / 255) and np.allclose(x[0, :, 48:], 114 / 255)
    assert np.allclose(x[0, 0, 16:48], 200 / 255)
    assert (t.pad_x, t.pad_y) == (0.0, 16.0)
    boxes = np.array([[10, 20, 50, 30], [0, 0, 200, 100]], np.float32)
    assert np.allclose(t.to_original(t.to_input(boxes)), boxes, atol=1e-4)
    assert np.allclose(t.to_input(boxes)[1], [0, 16, 64, 32])


def test_to_original_clips_to_the_image() -> None:
    _, (t,) = preprocess([_image(100, 100)], PreprocessSpec(input_size=(50, 50)))
    assert np.allclose(t.to_original([[-10, -10, 100, 100]]), [[0, 0, 100, 100]])


def test_uint8_native_keeps_pixels_and_needs_equal_sizes() -> None:
    spec = PreprocessSpec.opencv_native()
    img = _image(7, 5)
    x, (t,) = preprocess([img], spec)
    assert x.dtype == np.uint8 and np.array_equal(x[0], img) and t.scale_x == 1.0
    with pytest.raises(UserInputError, match="different sizes"):
        preprocess([img, _image(8, 5)], spec)


def test_invalid_specs_are_refused() -> None:
    with pytest.raises(ValueError):
        PreprocessSpec(mode="letterbox")
    with pytest.raises(ValueError):
        PreprocessSpec(input_size=(8, 8), dtype="uint8", scale=0.5)
    with pytest.raises(FormatError, match="mode"):
        PreprocessSpec.from_yaml("mode: stretch\ninput_size: [8, 8]\n")
    with pytest.raises(UserInputError):
        preprocess([np.zeros((4, 4, 3), np.float32)], PreprocessSpec(input_size=(4, 4)))


def test_hash_yaml_round_trip_and_frozen() -> None:
    spec = PreprocessSpec.ultralytics(320)
    again = PreprocessSpec.from_yaml(spec.to_yaml())
    assert again == spec and again.spec_hash == spec.spec_hash
    assert PreprocessSpec.ultralytics(640).spec_hash != spec.spec_hash
    with pytest.raises(ValueError):
        spec.scale = 1.0  # type: ignore[misc]


def test_check_same_spec_lists_every_differing_field() -> None:
    trained = PreprocessSpec(input_size=(128, 128), colour="rgb")
    check_same_spec(trained, PreprocessSpec.from_yaml(trained.to_yaml()))
    served = PreprocessSpec(input_size=(128, 96), colour="bgr")
    with pytest.raises(UserInputError) as err:
        check_same_spec(served, trained)
    msg = str(err.value)
    assert "colour (served 'bgr', trained 'rgb')" in msg and "input_size" in msg and "scale" not in msg
