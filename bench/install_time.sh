#!/usr/bin/env bash
# Time of `pip install SRC[EXTRAS]` into a fresh venv with an empty pip cache (downloads included).
#   bash bench/install_time.sh                      # this checkout, core only
#   bash bench/install_time.sh . dask,parquet       # with extras
#   bash bench/install_time.sh /path/to/other/clone # e.g. an older commit, for the ratio (run both side by side)
# Runs under `nice -n 10`; prints one line: source, extras, wall seconds, CPU seconds (user + system of
# pip and everything it starts; moves far less with the machine's load than wall time), installed
# distributions, and the 1-minute load average before and after.
# `python bench/install_breakdown.py` splits the time per distribution.
set -euo pipefail
src="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
extras="${2:-}"
target="$src${extras:+[$extras]}"
venv="$(mktemp -d /tmp/persona-install-XXXXXX)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >/dev/null
load_before=$(cut -d' ' -f1 /proc/loadavg)
TIMEFORMAT='%R %U %S'
log="$venv/pip.log"
times_s=$( { time nice -n 10 "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "$target" >"$log" 2>&1; } 2>&1 ) \
    || { grep -v "^WARNING: Location" "$log" >&2; exit 1; }
read -r wall user sys <<<"$times_s"
n=$("$venv/bin/pip" list --format=freeze 2>/dev/null | wc -l)
printf 'install %s: %.0f s wall, %.0f s CPU, %d distributions (load average %s -> %s)\n' \
    "$target" "$wall" "$(echo "$user + $sys" | bc)" "$n" "$load_before" "$(cut -d' ' -f1 /proc/loadavg)"
