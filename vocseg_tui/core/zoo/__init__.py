"""The model zoo of the installed mmsegmentation: its VOC-aug configs, read from the wheel's
metafiles (never hard-coded), and epoch-based recipes derived from them."""

from vocseg_tui.core.zoo.catalog import ZooError, find_model, list_models, mmseg_configs_dir
from vocseg_tui.core.zoo.model import ZooModel

__all__ = ["ZooError", "ZooModel", "find_model", "list_models", "mmseg_configs_dir"]
