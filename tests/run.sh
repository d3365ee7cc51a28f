#!/usr/bin/env bash
# Install persona with its test extras and the system packages its tests need, then run the suite.
# As root on Debian (CI) it installs Chromium (the real-browser tests) and PostgreSQL (the store
# tests start a throwaway server from its binaries). If that fails, the run fails: tests never
# skip for a missing dependency in CI (CI=true). On a developer machine without them, set
# PERSONA_ALLOW_SKIP=1 to let those tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

needed=()
[ -x /usr/bin/chromium ] || needed+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || needed+=(postgresql)
if [ ${#needed[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
    elif [ "${PERSONA_ALLOW_SKIP:-0}" = 1 ] && [ "${CI:-}" != true ]; then
        echo "tests/run.sh: ${needed[*]} missing; their tests will skip (PERSONA_ALLOW_SKIP=1)" >&2
    else
        echo "tests/run.sh: ${needed[*]} missing and cannot be installed here (not root on Debian);" \
             "install them, or set PERSONA_ALLOW_SKIP=1 on a developer machine" >&2
        exit 1
    fi
fi
exec python3 -m pytest -n 2 --dist loadfile "$@"
