"""The Data screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class DataScreen(PlannedScreen):
    MODE = "data"
    PLANNED = (
        'status of VOCdevkit/VOC2012, benchmark_RELEASE and the archives, with counts',
        'resumable, verified downloads from a list of mirrors (progress, speed, ETA)',
        'safe extraction; SBD .mat -> SegmentationClassAug PNGs on all cores',
        'the aug / trainaug split lists, checked against the official 10,582',
        'one key to run whatever is still missing',
    )
