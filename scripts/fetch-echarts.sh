#!/usr/bin/env bash
# fetch-echarts.sh: put Apache ECharts (Apache-2.0) at report/assets/echarts.min.js, where package
# report embeds it into every HTML report. The file is fetched at build time from the npm registry
# by pinned version and checked against pinned SHA-256 sums of the tarball and of the file itself;
# it is git-ignored and never committed (docs/report.md).
#
# 5.4.3: the echarts version go-echarts v2.6.7 writes options for (toolchain.md).
# The tarball sum was checked against the registry's own dist.integrity
# (sha512-mYKxLxhzy6zyTi/FaEbJMOZU1ULGEQHaeIeuMR5L+JnJTpz+YR03mnnpBhbR4+UYJAgiXgpyTVLffPAjOTLkZA==)
# and dist.shasum (f5522ef24419164903eedcfd2b506c6fc91fb20c) when it was pinned.
set -euo pipefail

ECHARTS_VERSION=5.4.3
TARBALL_SHA256=89f6b509a83b3694645a8ec0dc8808999bb96610eac9e718fbda4726bb694eaf
MINJS_SHA256=1156429a16a38cb8604dcc6518c19406d4226142d908f8edd2e3531443c54d19

cd "$(dirname "$0")/.."
dest=report/assets/echarts.min.js

# Already there and intact: nothing to fetch (no network needed for repeated builds).
if [[ -f $dest ]] && echo "$MINJS_SHA256  $dest" | sha256sum -c --status; then
	exit 0
fi

command -v npm >/dev/null || { echo "fetch-echarts: npm is needed to fetch echarts@$ECHARTS_VERSION from the npm registry" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "fetch-echarts: npm pack echarts@$ECHARTS_VERSION" >&2
(cd "$tmp" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null 2>"$tmp/npm.log") || {
	cat "$tmp/npm.log" >&2
	echo "fetch-echarts: npm pack echarts@$ECHARTS_VERSION failed" >&2
	exit 1
}
tgz="$tmp/echarts-$ECHARTS_VERSION.tgz"
if ! echo "$TARBALL_SHA256  $tgz" | sha256sum -c --status; then
	echo "fetch-echarts: checksum mismatch for echarts-$ECHARTS_VERSION.tgz: got $(sha256sum "$tgz" | cut -d' ' -f1), want $TARBALL_SHA256" >&2
	exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/dist/echarts.min.js
js="$tmp/package/dist/echarts.min.js"
if ! echo "$MINJS_SHA256  $js" | sha256sum -c --status; then
	echo "fetch-echarts: checksum mismatch for dist/echarts.min.js: got $(sha256sum "$js" | cut -d' ' -f1), want $MINJS_SHA256" >&2
	exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$js" "$dest.tmp"
mv "$dest.tmp" "$dest"
echo "fetch-echarts: wrote $dest (echarts $ECHARTS_VERSION, sha256 $MINJS_SHA256)" >&2
