"""Hardware abstraction layer: one small typed contract per device kind, a null device beside each, and the
one function that picks a backend (`hal.backend.select_backend`)."""
