"""The logger process."""
