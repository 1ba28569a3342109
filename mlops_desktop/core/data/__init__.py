"""Data: import and versions, preparation recipes, validation rules."""

from mlops_desktop.core.data.arrow_memory import use_jemalloc

use_jemalloc()  # before any table is built in this process
