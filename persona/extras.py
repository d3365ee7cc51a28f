"""Optional dependencies: import one, or say in one line which ``persona[extra]`` to install.

The core install measures, scores, compares, analyses and prepares surveys; four paths need more:

==========  ===================  ==========================================
extra       package              needed for
==========  ===================  ==========================================
app         streamlit            ``streamlit run app.py`` (listening trials, designer pages)
dask        dask[distributed]    ``--dask-scheduler`` (extraction on a Dask cluster)
parquet     pyarrow              ``.parquet`` tables
postgres    psycopg[binary]      ``PERSONA_DB_URL=postgresql+psycopg://...``
==========  ===================  ==========================================
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
