#!/usr/bin/python3
"""What explore finds alone (issue 19, item 5): every find recorded in
tests/data/explore-finds.json is found again, and every V and C cell of docs/verdicts.md is
accounted for as a find or a miss.

A find is a (version, property) cell with the bounds explore needs (regime, configuration,
measurements, kexecs, agents or processes, depth) and the length of the shortest
counterexample within them. This script explores each find within its bounds, for its
property alone, and requires a violation of exactly that length. A miss is a cell that
check finds and explore did not within scripts/regen-explore-finds's time limit; it is only
counted here, so that docs/explore.md's figures stay true. A cell of docs/verdicts.md that
is neither, or an entry whose cell is no longer V or C, fails the test: regenerate the file
with scripts/regen-explore-finds.

--plant-shorter VERSION:PROPERTY explores only that find, one step short of its recorded
length, where no counterexample exists: a planted miss. With it the exit status is 0 only if
exactly that cell is reported not found (ctest runs this too). Otherwise the exit status is
0 when every find is found and every cell accounted for, 1 if not, 2 for bad usage or an
explore run that failed.
"""
import argparse
import concurrent.futures
import json
import re
import sys
import tempfile

from trimcheck_runs import Usage

USAGE = Usage("explore_finds")


def read_json(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        USAGE.fail("%s: %s" % (path, error))


def counterexample_cells(verdicts_md):
    """The V and C cells of the verdict matrix in docs/verdicts.md."""
    try:
        with open(verdicts_md) as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        USAGE.fail("%s: %s" % (verdicts_md, error))
    header = next((line for line in lines if line.startswith("| |")), None)
    if header is None:
        USAGE.fail("%s has no verdict matrix (a line starting with '| |')" % verdicts_md)
    versions = [cell.strip() for cell in header.strip("|").split("|")[1:]]
    cells = set()
    for line in lines:
        match = re.match(r"\| (P\w+) [^|]*\|(.*)\|$", line)
        if not match:
            continue
        verdicts = [cell.strip() for cell in match.group(2).split("|")]
        for version, verdict in zip(versions, verdicts):
            if verdict in ("V", "C"):
                cells.add((version, match.group(1)))
    return cells


def explore_command(trimcheck, find, out, depth):
    bounds = find["bounds"]
    command = [trimcheck, "explore", "--proposal", find["proposal"], "--property",
               find["property"], "--json", "--quiet", "--out", out, "--max-depth", str(depth)]
    for key in ("regime", "config"):
        command += ["--" + key, str(bounds[key])]
    for key in ("max_records", "max_kexecs", "max_agents"):
        command += ["--" + key.replace("_", "-"), str(bounds[key])]
    if "long_path_bytes" in bounds:
        command += ["--long-path", str(bounds["long_path_bytes"])]
    if "max_open_files" in bounds:
        command += ["--max-open-files", str(bounds["max_open_files"])]
    if "openable" in bounds:
        command += ["--openable", ",".join(bounds["openable"])]
    if "max_calls" in bounds:
        command += ["--max-calls", ",".join("%s=%d" % item for item in bounds["max_calls"].items())]
    return command


def explore(command):
    """The violated property's trace length, or None when explore found none."""
    result = USAGE.run_json(command, {0, 1})["results"][0]
    return result["trace_length"] if result["verdict"] == "violated" else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trimcheck", help="the trimcheck binary")
    parser.add_argument("finds", help="tests/data/explore-finds.json")
    parser.add_argument("verdicts", help="docs/verdicts.md")
    parser.add_argument("--jobs", type=int, default=2, help="explore runs at once (default 2)")
    parser.add_argument("--plant-shorter", metavar="VERSION:PROPERTY",
                        help="explore this find one step short: a planted miss")
    args = parser.parse_args()
    if args.jobs < 1:
        USAGE.fail("--jobs must be at least 1, not %d" % args.jobs)
    document = read_json(args.finds)
    if document.get("format") != "trimcheck-explore-finds":
        USAGE.fail("%s is not a trimcheck-explore-finds file" % args.finds)
    finds, misses = document["finds"], document["misses"]
    key = lambda entry: (entry["proposal"], entry["property"])
    planted = tuple(args.plant_shorter.split(":", 1)) if args.plant_shorter else None
    if planted and planted not in {key(find) for find in finds}:
        USAGE.fail("--plant-shorter %s: no such find" % args.plant_shorter)

    problems = []
    cells = counterexample_cells(args.verdicts)
    recorded = [key(entry) for entry in finds + misses]
    for cell in sorted(cells - set(recorded)):
        problems.append("%s %s: V or C in the verdict matrix, but neither a find nor a miss"
                        % cell)
    for cell in sorted(set(recorded) - cells):
        problems.append("%s %s: recorded, but not V or C in the verdict matrix" % cell)
    for cell in sorted({c for c in recorded if recorded.count(c) > 1}):
        problems.append("%s %s: recorded more than once" % cell)

    with tempfile.TemporaryDirectory(prefix="trimcheck-finds.") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            runs = []
            # A planted miss needs only its own run.
            for find in (f for f in finds if planted is None or key(f) == planted):
                depth = find["trace_length"] - (1 if key(find) == planted else 0)
                runs.append((find, depth, pool.submit(explore, explore_command(
                    args.trimcheck, find, work, depth))))
            not_found = set()
            for find, depth, future in runs:
                length = future.result()
                if length != find["trace_length"]:
                    not_found.add(key(find))
                    problems.append(
                        "%s %s: explore %s within %s (recorded: %d steps)"
                        % (find["proposal"], find["property"],
                           "found no violation" if length is None else
                           "found %d steps" % length,
                           json.dumps(dict(find["bounds"], max_depth=depth)),
                           find["trace_length"]))
    for problem in problems:
        print("explore_finds: " + problem)
    if planted:
        caught = not_found == {planted} and len(problems) == 1
        print("explore_finds: planted miss %s:%s %s" % (planted[0], planted[1],
                                                        "caught" if caught else "NOT caught"))
        return 0 if caught else 1
    print("explore_finds: explore alone finds %d of the %d V and C cells of the verdict "
          "matrix (%d recorded misses)" % (len(finds) - len(not_found), len(cells), len(misses)))
    if problems:
        print("explore_finds: if the change is intended, run scripts/regen-explore-finds "
              "over the traces of `trimcheck check --out DIR` and review the diff")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
