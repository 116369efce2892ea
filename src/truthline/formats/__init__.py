"""Annotation formats: lossless conversion between files and domain types, with loss reports on export."""

from truthline.formats.capabilities import FormatInfo
from truthline.formats.images import read_image_size
from truthline.formats.loss import LossEntry, LossReport, LossyExportError
from truthline.formats.registry import (
    FORMATS,
    IDMAP_FILE,
    LOSS_REPORT_FILE,
    capabilities,
    plan_export,
    read_dataset,
    write_dataset,
)

__all__ = [
    "FORMATS",
    "IDMAP_FILE",
    "LOSS_REPORT_FILE",
    "FormatInfo",
    "LossEntry",
    "LossReport",
    "LossyExportError",
    "capabilities",
    "plan_export",
    "read_dataset",
    "read_image_size",
    "write_dataset",
]
