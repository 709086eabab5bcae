#!/usr/bin/env bash
# The tests drive Debian's Chromium (Playwright cannot download a browser here) and compare our
# listings with GNU tar, gzip and zstd. Install what is missing; as root that needs no prompt.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v zstd >/dev/null || missing+=(zstd)
# pzstd (multi-frame zstd as it writes it, for the hostile cases) comes in the same package
command -v pzstd >/dev/null || missing+=(zstd)
command -v tar >/dev/null || missing+=(tar)
command -v gzip >/dev/null || missing+=(gzip)
# xmllint checks that the JUnit reports are well-formed XML; podman answers the engine test's API.
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v podman >/dev/null || missing+=(podman)
# The package readers' tests build real RPM databases: rpmbuild and rpm write rpmdb.sqlite,
# sqlite3 dumps its header blobs and Berkeley DB's db5.3_load writes them as a `Packages` file.
command -v rpmbuild >/dev/null || missing+=(rpm)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v db5.3_load >/dev/null || missing+=(db5.3-util)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} from Debian's packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
