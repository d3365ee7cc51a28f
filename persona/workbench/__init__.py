"""The designer workbench's library: safe uploads, browser-recorded takes, and manifest updates.

The Streamlit pages ``app_pages/compare.py`` and ``app_pages/record.py`` are thin faces over it.
"""

from .manifest import append_rows
from .takes import TakeCheck, TakeCriteria, add_take, check_take, load_take, script_lines
from .uploads import UploadLimits, new_working_folder, safe_label, safe_name, store_upload, uploaded_voices

__all__ = [
    "TakeCheck",
    "TakeCriteria",
    "UploadLimits",
    "add_take",
    "append_rows",
    "check_take",
    "load_take",
    "new_working_folder",
    "safe_label",
    "safe_name",
    "script_lines",
    "store_upload",
    "uploaded_voices",
]
