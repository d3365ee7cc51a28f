#!/usr/bin/env bash
# Wall-clock time of `pip install SRC[EXTRAS]` into a fresh venv with an empty pip cache (downloads included).
#   bash bench/install_time.sh                      # this checkout, core only
#   bash bench/install_time.sh . dask,parquet       # with extras
#   bash bench/install_time.sh /path/to/other/clone # e.g. an older commit, for the ratio
# Runs under `nice -n 10`; prints one line: source, extras, seconds, number of installed distributions.
set -euo pipefail
src="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
extras="${2:-}"
target="$src${extras:+[$extras]}"
venv="$(mktemp -d /tmp/persona-install-XXXXXX)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >/dev/null
start=$(date +%s.%N)
nice -n 10 "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "$target"
end=$(date +%s.%N)
n=$("$venv/bin/pip" list --format=freeze 2>/dev/null | wc -l)
printf 'install %s: %.0f s, %d distributions\n' "$target" "$(echo "$end - $start" | bc)" "$n"
