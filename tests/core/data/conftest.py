"""Fixtures of the data tests: the sample archives and a mirror serving them on 127.0.0.1."""

from tests.core.data.helpers import mirror, sample_archives

__all__ = ["mirror", "sample_archives"]
