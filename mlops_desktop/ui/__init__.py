"""All PySide6 code. Imports core; core never imports this package."""
