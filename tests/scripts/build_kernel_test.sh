#!/usr/bin/env bash
# scripts/build-kernel without building: bad input is exit 2 with one message, the cache
# key follows the series, and a patch that does not apply names its failed hunk (exit 1).
set -uo pipefail
script=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expected-code description command...
  local want=$1 what=$2; shift 2
  "$@" >"$work/out" 2>&1
  local got=$?
  [ "$got" = "$want" ] || { cat "$work/out" >&2; fail "$what: exit $got, expected $want"; }
}

expect 2 "unknown argument" "$script" --frobnicate
expect 2 "malformed option" "$script" --option IMA=y
expect 2 "not a tree" "$script" --tree "$work"
expect 2 "missing series" "$script" --series "$work/none" --print-key
grep -q "does not exist" "$work/out" || fail "missing series message"

# A fake tree is enough up to the patches.
tree="$work/tree"
mkdir -p "$tree/security/integrity/ima"
echo "all:" >"$tree/Makefile"
printf 'line one\nline two\nline three\n' >"$tree/security/integrity/ima/ima_fs.c"
mkdir "$work/series"
cat >"$work/series/0001-ima-change.patch" <<'PATCH'
From: Someone <someone@example.org>
Subject: [PATCH 1/1] ima: change a line that is not there

diff --git a/security/integrity/ima/ima_fs.c b/security/integrity/ima/ima_fs.c
--- a/security/integrity/ima/ima_fs.c
+++ b/security/integrity/ima/ima_fs.c
@@ -1,3 +1,3 @@
 line one
-line 2
+line TWO
 line three
PATCH
key_plain=$("$script" --tree "$tree" --print-key) || fail "print-key"
key_again=$("$script" --tree "$tree" --print-key) || fail "print-key again"
key_series=$("$script" --tree "$tree" --series "$work/series" --print-key) || fail "print-key series"
key_option=$("$script" --tree "$tree" --option CONFIG_IMA_STAGING=y --print-key) || fail "key opt"
[ "$key_plain" = "$key_again" ] || fail "the key is not stable"
[ "$key_plain" != "$key_series" ] || fail "the series does not change the key"
[ "$key_plain" != "$key_option" ] || fail "an option does not change the key"

expect 1 "failed patch" "$script" --tree "$tree" --series "$work/series" --cache "$work/cache"
grep -q "ima: change a line that is not there" "$work/out" || fail "no subject in: $(cat "$work/out")"
grep -q "Hunk #1 FAILED at 1" "$work/out" || fail "no failed hunk in: $(cat "$work/out")"
grep -q "^-line 2" "$work/out" || fail "no rejected hunk in: $(cat "$work/out")"
echo "build-kernel input handling: ok"
