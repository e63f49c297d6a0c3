"""The camera process."""
