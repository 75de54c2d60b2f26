"""Data stage: reading human recordings, gait events, normalised cycles and reference datasets."""
