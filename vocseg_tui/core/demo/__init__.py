"""The one-key demo: validate a request, run it in the long-lived inference worker, draw it."""

from vocseg_tui.core.demo.client import DemoClient, DemoResult
from vocseg_tui.core.demo.errors import DemoError
from vocseg_tui.core.demo.image import MAX_PIXELS, MAX_SIDE, ImageRefused
from vocseg_tui.core.demo.request import DEMO_IMAGE, DemoRequest, build_request, check_image, output_name

__all__ = [
    "DEMO_IMAGE", "MAX_PIXELS", "MAX_SIDE", "DemoClient", "DemoError", "DemoRequest", "DemoResult",
    "ImageRefused", "build_request", "check_image", "output_name",
]
