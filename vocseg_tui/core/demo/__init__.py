"""The one-key demo: validate a request, run it in the long-lived inference worker, draw it."""

from vocseg_tui.core.demo.client import DemoClient, DemoResult
from vocseg_tui.core.demo.request import (
    DEMO_IMAGE,
    DemoError,
    DemoRequest,
    build_request,
    check_device,
    check_image,
    output_name,
)

__all__ = [
    "DEMO_IMAGE", "DemoClient", "DemoError", "DemoRequest", "DemoResult", "build_request",
    "check_device", "check_image", "output_name",
]
