"""Evaluation engine: one exact COCO match through hotcoco, every production figure derived from it."""
