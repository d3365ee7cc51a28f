"""Blind listener trials: survey files, trial design, stimulus preparation, storage, listener flow.

spec       a validated survey as plain data (scenarios, stimuli, audio, tests, crowd settings)
survey     load and validate ``surveys/*.toml``           -> :class:`Survey`
design     per-listener seeded, Latin-square plans, balanced subsets -> tuple of :class:`Trial`
stimuli    trim, telephone chain, BS.1770 loudness, dithered metadata-free WAV per presentation
clip_cache prepared clips on disk by content hash and audio settings
cues       role cues in the stimuli (words only one role says, lengths that do not overlap)
store      SQLAlchemy storage and the tidy export         -> :func:`responses_frame`
flow       one listener's consent, headphone check, trials and completion code
access     invite tokens, admin password (back-off counted in the database), completion codes
crowd      crowd-platform participant ids (stored hashed) and completion links
"""

from .design import Trial, listener_plan
from .flow import ListenerFlow
from .store import Store, responses_frame
from .survey import Survey, load_survey

__all__ = ["ListenerFlow", "Store", "Survey", "Trial", "listener_plan", "load_survey", "responses_frame"]
