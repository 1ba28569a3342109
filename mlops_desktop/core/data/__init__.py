"""Data: import and versions, preparation recipes, validation rules."""
