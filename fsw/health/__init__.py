"""The health process."""
