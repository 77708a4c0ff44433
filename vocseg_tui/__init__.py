"""vocseg-tui: the MMSegmentation UPerNet-R50 / VOC 2012 + SBD workflow in one terminal app."""

__version__ = "0.1.0"
