"""Optional dependencies: import one, or say in one line which ``persona[extra]`` to install.

The core install measures, scores, compares, prescribes, monitors and prepares surveys, with
tables on screen and in CSV/JSON; these paths need more:

==========  ==========================  ==========================================
extra       package                     needed for
==========  ==========================  ==========================================
report      matplotlib                  ``.html``/``.md`` reports (their figures)
stats       statsmodels, krippendorff   ``persona analyze`` (listening-test statistics)
app         streamlit (+ report, stats) ``streamlit run app.py`` (listening trials, designer pages)
dask        dask[distributed]           ``--dask-scheduler`` (extraction on a Dask cluster)
parquet     pyarrow                     ``.parquet`` tables
postgres    psycopg[binary]             ``PERSONA_DB_URL=postgresql+psycopg://...``
recogniser  moonshine-cpp, onnxruntime  ``--syllables fused|recogniser`` (recognised syllable counts)
==========  ==========================  ==========================================
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError

def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra that installs it.

    >>> require("pyarrow.parquet", "parquet", "writing .parquet tables")   # doctest: +SKIP
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(extra, purpose) from None
