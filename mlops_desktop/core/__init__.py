"""Pure-Python domain logic. Never imports Qt or the ui package."""
