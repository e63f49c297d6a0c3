"""The comm process."""
