"""The nav process."""
