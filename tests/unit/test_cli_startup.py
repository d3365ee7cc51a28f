"""Start-up stays light: the CLI answers --version and --help without the scientific stack.

Speed itself is measured by bench/startup.py; this checks the cause (what is imported), in a fresh
interpreter so no other test's imports count.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "pandas", "parselmouth", "matplotlib", "statsmodels", "streamlit", "rich", "librosa", "sqlalchemy")


def imported_after(code: str) -> set[str]:
    """Top-level packages of ``HEAVY`` in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint('imported:', *(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.splitlines()[-1].split()[1:])


def run_cli(*argv: str) -> str:
    """Code running ``persona ARGV`` as the console script does, expecting exit status 0."""
    return (f"import sys\nfrom persona.cli import app\nsys.argv = ['persona', *{list(argv)!r}]\n"
            "try:\n    app()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n")  # fmt: skip


@pytest.mark.parametrize("arg", ["--version", "--help"])
def test_version_and_help_import_no_scientific_library(arg):
    assert imported_after(run_cli(arg)) == set()


def test_every_subcommand_help_stays_light():
    commands = (["features"], ["score"], ["compare"], ["preview"], ["demo"], ["analyze"], ["benchmark", "build"], ["survey", "invite"], ["monitor"], ["calls", "profile"], ["calls", "score"])
    assert imported_after("\n".join(run_cli(*c, "--help") for c in commands)) == set()


def test_import_persona_is_light_and_its_public_names_load_on_use():
    assert imported_after("import persona") == set()
    code = "import persona\nassert callable(persona.profile) and persona.Profiler.__name__ == 'Profiler' and 'load' in dir(persona)"
    assert "numpy" in imported_after(code)


def test_an_unknown_attribute_is_an_attribute_error():
    result = subprocess.run([sys.executable, "-c", "import persona; persona.nope"], cwd=REPO, capture_output=True, text=True, timeout=120)
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("AttributeError") and "nope" in last_line  # lazy_loader: "No persona attribute nope"


def test_profiling_a_file_imports_neither_scipy_nor_pandas(tmp_path):
    """``persona features FILE`` measures with NumPy, Praat and libebur128 alone and writes its rows without a frame."""
    import soundfile as sf
    from _signals import SR_HZ, syllable_train

    clip = tmp_path / "line.wav"
    sf.write(clip, syllable_train(6), SR_HZ)
    for out in ([], ["--out", str(tmp_path / "profile.csv")], ["--out", str(tmp_path / "profile.json")]):
        assert imported_after(run_cli("features", str(clip), "--jobs", "1", *out)) == {"numpy", "parselmouth"}
