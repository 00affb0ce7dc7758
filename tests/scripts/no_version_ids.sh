#!/usr/bin/env bash
# Every fact about a version lives in model/ (docs/architecture.md, "Where version facts
# live"): the sources of props/, prove/, conform/ and cli/ name no version id, neither as
# a string ("sassu-v7") nor as an enumerator (ProposalId::sassu_v7). Lists the lines that
# do and fails. Tests and docs may name versions.
#   no_version_ids.sh SOURCE_DIR
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: no_version_ids.sh SOURCE_DIR" >&2
  exit 2
fi
cd "$1" || exit 2
pattern='(sassu|chen|ms)-(rfc|v)[0-9]|baseline-6|sassu_v[0-9]|chen_v[0-9]|ms_rfc|baseline_6|sassu_rfc'
found=$(grep -rnE "$pattern" props/src props/include prove conform cli --include='*.cpp' --include='*.hpp')
[ $? -le 1 ] || exit 2 # grep failed (a directory missing?)
if [ -n "$found" ]; then
  echo "version ids outside model/ (ask model/ instead, e.g. model::baseline_proposal()):" >&2
  echo "$found" >&2
  exit 1
fi
