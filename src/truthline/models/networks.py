"""The built-in PyTorch networks: a small CenterNet-style detector and a small image classifier (CPU sized)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class CenterNetLite(nn.Module):
    """Anchor-free detector: a 4-level conv backbone, a top-down merge to stride 4 and one head.

    ``forward`` returns (B, C + 4, H/4, W/4): per-class centre probabilities (sigmoid), box width and height in
    cells, centre offset in its cell: the ``truthline-centernet`` layout decoded by
    :func:`truthline.models.centernet_head.decode_centernet`. ``raw`` returns the same with heatmap logits.
    """

    stride = 4

    def __init__(self, num_classes: int, width: int = 32) -> None:
        super().__init__()
        w = width
        self.num_classes = num_classes
        self.s2 = nn.Sequential(_conv(3, w // 2, 2), _conv(w // 2, w // 2))
        self.s4 = nn.Sequential(_conv(w // 2, w, 2), _conv(w, w))
        self.s8 = nn.Sequential(_conv(w, 2 * w, 2), _conv(2 * w, 2 * w))
        self.s16 = nn.Sequential(_conv(2 * w, 2 * w, 2), _conv(2 * w, 2 * w))
        self.lat8 = nn.Conv2d(2 * w, 2 * w, 1)
        self.lat4 = nn.Conv2d(w, 2 * w, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.neck = _conv(2 * w, w)
        self.heat = nn.Sequential(_conv(w, w), nn.Conv2d(w, num_classes, 1))
        self.box = nn.Sequential(_conv(w, w), nn.Conv2d(w, 4, 1))
        head = self.heat[1]
        assert isinstance(head, nn.Conv2d) and head.bias is not None
        nn.init.constant_(head.bias, -2.19)  # CenterNet's prior: sigmoid(-2.19) = 0.1

    def raw(self, x: Tensor) -> Tensor:
        f4 = self.s4(self.s2(x))
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        p8 = self.lat8(f8) + self.up(f16)
        p4 = self.neck(self.lat4(f4) + self.up(p8))
        return torch.cat([self.heat(p4), self.box(p4)], dim=1)

    def forward(self, x: Tensor) -> Tensor:
        out = self.raw(x)
        c = self.num_classes
        return torch.cat([torch.sigmoid(out[:, :c]), out[:, c:]], dim=1)


class SmallClassifier(nn.Module):
    """Image classifier: five strided conv blocks, global average pooling, a linear layer.

    ``forward`` returns (B, C) probabilities (the ``probabilities`` layout); ``raw`` returns logits.
    """

    def __init__(self, num_classes: int, width: int = 32) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            _conv(3, w // 2, 2), _conv(w // 2, w, 2), _conv(w, w), _conv(w, 2 * w, 2), _conv(2 * w, 2 * w, 2)
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * w, num_classes)

    def raw(self, x: Tensor) -> Tensor:
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))

    def forward(self, x: Tensor) -> Tensor:
        return torch.softmax(self.raw(x), dim=1)
