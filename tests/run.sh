#!/usr/bin/env bash
# Install persona with its test extras and run the whole test suite.
# As root on Debian (CI), it also installs Chromium for the real-browser test; elsewhere that test skips.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
if [ "$(id -u)" = 0 ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "tests/run.sh: could not install chromium; the browser test will skip" >&2
fi
exec python3 -m pytest -n 2 --dist loadfile "$@"
