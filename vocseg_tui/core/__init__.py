"""The domain: plain functions and dataclasses, no Textual, no torch at import time.

Everything a screen or a CLI command does is a call into this package, so both stay thin
and the logic is tested without a terminal.
"""
