"""Bundled flight plans (TOML): flight1, flight6, flight51 (the default), flight72."""
