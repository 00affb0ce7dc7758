#!/usr/bin/env bash
# `cmake --install` puts the command and its man page under a prefix; the installed
# command runs, and the man page has the help of every subcommand.
#   tests/scripts/install_test.sh BUILD_DIR
set -uo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 ||
  { cat "$prefix.log" >&2; rm -f "$prefix.log"; fail "cmake --install failed"; }
rm -f "$prefix.log"
bin=$prefix/bin/trimcheck
page=$prefix/share/man/man1/trimcheck.1
[ -x "$bin" ] || fail "no $bin"
[ -f "$page" ] || fail "no $page"
"$bin" --version | grep -q '^trimcheck ' || fail "the installed command does not run"
head -1 "$page" | grep -q '^\.TH TRIMCHECK 1 ' || fail "the man page has no .TH header"
for sub in $("$bin" --help | awk '/^Subcommands:/ {l = 1; next} l && /^  [a-z]/ {print $1} l && /^$/ {l = 0}'); do
  grep -q "^\\.SH \"TRIMCHECK ${sub^^}\"" "$page" || fail "the man page has no section for $sub"
done
# Help text never becomes a roff request: every line starting with . or ' is a macro.
if grep -nE "^[.'][^a-zA-Z]" "$page" | grep -v '^[0-9]*:\.\\"'; then
  fail "a help line was taken for a roff request"
fi
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "groff warns: $warnings"
fi
echo "installed: $bin, $page"
