"""Preparing PASCAL VOC 2012 + SBD: status, download, extraction, conversion, split lists, verification.

Each module has one job; `pipeline.prepare` strings them together for the CLI and the Data screen,
which both consume the same progress events (`progress.py`). Importing this package is cheap: the
heavy libraries (numpy, scipy, PIL) load only in the modules that convert or verify labels, so the
Data screen can show the status the moment it opens.
"""
