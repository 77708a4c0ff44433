"""The Runs area's domain: every run of a project as one row, filtered, sorted, compared.

A run is a work dir's lineage (its first job and every resumed or retried attempt), or a work
dir found on disk that no job wrote. What a row shows from disk is read once and kept in a warm
index (index.py) keyed by the files it came from, so listing hundreds of runs again only
re-reads the runs that changed.
"""
