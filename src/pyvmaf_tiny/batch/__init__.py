"""Batches of encodes on Dask: `pyvmaf-tiny batch MANIFEST --out DIR`, or run().

Rows of a manifest that share a reference are scored as ladder tasks
(score_ladder); the tasks run on a Dask cluster (a LocalCluster by default);
results land in DIR/summary.parquet, DIR/summary.csv and DIR/frames.parquet,
committed as each task finishes, so a rerun resumes. Dask and pyarrow (the
batch extra) are imported only when a batch runs.
"""

from __future__ import annotations

from .driver import BatchReport, run
from .ladder import score_ladder
from .manifest import read as read_manifest
from .results import BatchError

__all__ = ["run", "score_ladder", "read_manifest", "BatchError", "BatchReport"]
