"""The Textual app: one module per screen, small widgets, styles in .tcss files."""
