"""Code that only ever runs in child processes and may import torch and the OpenMMLab stack."""
