"""Peak training memory of a config, estimated before launch in a child process (no GPU)."""

from vocseg_tui.core.fit.estimate import (
    CALIBRATION,
    FitEstimate,
    FitUnknown,
    cached_estimate,
    estimate_fit,
    run_estimator,
)

__all__ = ["CALIBRATION", "FitEstimate", "FitUnknown", "cached_estimate", "estimate_fit", "run_estimator"]
