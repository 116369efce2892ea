"""Synthetic scenarios with exact ground truth and controllable production conditions.

    from truthline.synth import generate_images, taxonomy, write_folder
    records = generate_images("inspection", 2000, seed=1, conditions=["lighting=night:0.6@0.3"])
    write_folder("out/", records, taxonomy("inspection"))

Pure engine: arrays, records and files in, no workspace or database.
"""

from __future__ import annotations

from truthline.synth.conditions import CONDITIONS, Condition, parse_condition
from truthline.synth.corruptions import apply_condition, apply_condition_with_boxes
from truthline.synth.generator import ImagePlan, generate_image, generate_images, taxonomy
from truthline.synth.geometry import Displacement, transform_boxes
from truthline.synth.layouts import FolderWriter, split_by_index, write_folder
from truthline.synth.records import ClassSpec, SynthRecord, Taxonomy, encode_png
from truthline.synth.scenes import SCENES
from truthline.synth.schedule import ScheduleEntry, VideoSchedule, load_schedule, parse_schedule
from truthline.synth.video import VideoFrame, VideoSummary, render_video, write_video

__all__ = [
    "CONDITIONS",
    "SCENES",
    "ClassSpec",
    "Condition",
    "Displacement",
    "FolderWriter",
    "ImagePlan",
    "ScheduleEntry",
    "SynthRecord",
    "Taxonomy",
    "VideoFrame",
    "VideoSchedule",
    "VideoSummary",
    "apply_condition",
    "apply_condition_with_boxes",
    "encode_png",
    "generate_image",
    "generate_images",
    "load_schedule",
    "parse_condition",
    "parse_schedule",
    "render_video",
    "split_by_index",
    "taxonomy",
    "transform_boxes",
    "write_folder",
    "write_video",
]
