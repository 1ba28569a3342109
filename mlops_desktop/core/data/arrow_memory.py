"""The allocator Arrow builds tables with in this application.

pyarrow's default on Linux is mimalloc, which backs its large blocks with transparent huge pages; where
the kernel grants those on request (the usual ``madvise`` setting) it zeroes each one, and compacts
memory for it, on first touch. An import builds and drops gigabytes of short-lived buffers (the
reader's blocks, the dictionary of a text column being profiled), and on a busy machine that kernel
time was as long as the import's own work (``bench/bench_import.py`` runs the import with whichever
allocator this module leaves in place). jemalloc takes ordinary pages and reuses freed ones.
"""

import os

import pyarrow as pa

POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def use_jemalloc() -> None:
    """Make jemalloc Arrow's default allocator, unless ``ARROW_DEFAULT_MEMORY_POOL`` names one or
    this pyarrow build has none (Windows): the default then stays."""
    if os.environ.get(POOL_VARIABLE):
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        return
    pa.set_memory_pool(pool)
