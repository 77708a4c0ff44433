"""Peak training memory of a config, estimated before launch in a child process (no GPU)."""
