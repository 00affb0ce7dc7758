#!/usr/bin/env bash
# Every subcommand's --json output (and report's results.json) is valid against
# docs/trimcheck-output.schema.json, and the validator does reject a document that is not
# (one without its schema_version, a verdict outside the schema's values).
#   tests/scripts/json_schema_test.sh TRIMCHECK SOURCE_DIR
set -uo pipefail
bin=$1
source=$2
schema=$source/docs/trimcheck-output.schema.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
capture() { # name command... (exit 0 or 1 expected: a finding is still a document)
  local name=$1; shift
  "$@" >"$work/$name.json" 2>"$work/$name.err"
  local code=$?
  [ "$code" -le 1 ] || { cat "$work/$name.err" >&2; fail "$name: exit $code"; }
}
capture list "$bin" list --json
capture check "$bin" check --proposal chen-v1 --property P1 --property P2 --runs 20 --json --out "$work/t"
capture explore "$bin" explore --proposal chen-v1 --property P1 --property P14 --config default --max-depth 4 --json --out "$work/t"
capture prove "$bin" prove --proposal chen-v1 --property P7 --depth 1 --json --out "$work/t"
capture replay "$bin" replay --json "$work/t/chen-v1-P1.json"
capture conform "$bin" conform --json --transcripts "$source/tests/data/transcripts/fake-model"
capture confirm "$bin" confirm --json --recheck "$source/tests/data/real-kernel/confirmations/chen-v5"
capture report "$bin" report --json --out "$work/r" --proposal chen-v1 --property P1 --runs 20
cp "$work/r/results.json" "$work/results.json"
boot=$source/tests/data/real-kernel/linux-6.12-kexec/1-boot
capture verify "$bin" verify --json --list "$boot/binary_runtime_measurements_sha256" --pcrs "$boot/state.json"

/usr/bin/python3 - "$schema" "$work" <<'PY' || fail "a document does not follow the schema"
import json, pathlib, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
work = pathlib.Path(sys.argv[2])
names = ["list", "check", "explore", "prove", "replay", "conform", "confirm", "report",
         "results", "verify"]
bad = 0
for name in names:
    document = json.load(open(work / (name + ".json")))
    for error in validator.iter_errors(document):
        print("%s.json: %s at %s" % (name, error.message, list(error.absolute_path)))
        bad += 1
    expected = "report" if name == "results" else name
    if document.get("command") != expected:
        print("%s.json: command is %r" % (name, document.get("command")))
        bad += 1
# found_in is exercised as an object (explore's P14 and prove's P7 are violated).
for name in ("explore", "prove"):
    document = json.load(open(work / (name + ".json")))
    entries = document["results"] if name == "explore" else [document]
    if not any(entry["found_in"] for entry in entries):
        print("%s.json: no result with a found_in object" % name)
        bad += 1
# The validator must reject what is not a document: planted faults.
explore = json.load(open(work / "explore.json"))
for planted in ({**explore, "results": [{**explore["results"][-1],
                                          "found_in": {"regime": "kernel", "config": "default"}}]},
                {**explore, "results": [{**explore["results"][-1], "found_in": {"config": ""}}]}):
    if validator.is_valid(planted):
        print("a planted fault passed validation: %s" % json.dumps(planted)[:200])
        bad += 1
check = json.load(open(work / "check.json"))
for planted in ({k: v for k, v in check.items() if k != "schema_version"},
                {**check, "results": [{**check["results"][0], "verdict": "maybe"}]},
                {**check, "command": "frobnicate"}):
    if validator.is_valid(planted):
        print("a planted fault passed validation: %s" % json.dumps(planted)[:200])
        bad += 1
sys.exit(1 if bad else 0)
PY
echo "every --json document follows $schema"
