#!/usr/bin/env python3
"""scripts/regen-explore-finds keeps a find's recorded time when the find is unchanged and
took about as long (so regenerating diffs only what changed), and writes the measured time
when the find changed or its time more than doubled or halved.

  regen_finds_times.py FINDS_JSON
"""
import importlib.machinery
import importlib.util
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_script():
    path = os.path.join(ROOT, "scripts", "regen-explore-finds")
    loader = importlib.machinery.SourceFileLoader("regen_explore_finds", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: regen_finds_times.py FINDS_JSON")
    regen = load_script()
    recorded = regen.recorded_finds(sys.argv[1])
    with open(sys.argv[1]) as handle:
        finds = json.load(handle)["finds"]
    if len(recorded) != len(finds):
        sys.exit("FAIL: %d finds read as %d" % (len(finds), len(recorded)))
    failures = []
    for find in finds:
        before = find["seconds"]
        cases = [  # (measured entry, the time it must be written with)
            (dict(find, seconds=before * 1.5 + 0.05), before),
            (dict(find, seconds=before * 3 + 1), before * 3 + 1),
            (dict(find, seconds=before * 1.5 + 0.05, trace_length=find["trace_length"] + 1),
             before * 1.5 + 0.05),
        ]
        for measured, expected in cases:
            written = regen.keep_recorded_time(measured, recorded)["seconds"]
            if written != expected:
                failures.append("%s %s: measured %.2f s, written %.2f s, expected %.2f s"
                                % (find["proposal"], find["property"], measured["seconds"],
                                   written, expected))
    for failure in failures:
        print("FAIL: " + failure)
    print("%d finds, %d failures" % (len(finds), len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
