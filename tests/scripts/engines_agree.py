#!/usr/bin/python3
"""Cross-engine agreement (issue 17): the default `trimcheck check` must find every
counterexample that `explore` finds within the agreement bounds below and every one that
`prove` finds.

A finding of explore or prove is a (version, property) pair with a trace. Its `found_in`
says where: the user-space regime and the configuration. check must then report the cell

  violated                 when the trace follows the protocol in the default configuration,
  violated or conditional  otherwise (check's C names exactly those conditions).

Every disagreement is printed with the other engine's trace and the command that replays
it; the traces of misses are copied to --misses DIR (default engines-agree-misses in the
current directory; ctest's is build/tests). The exit status is 1 if there is a miss, 2 for
bad usage or an engine that failed.

--demote VERSION:PROPERTY rewrites check's verdict of that cell to `holds` before the
comparison: a planted miss, which shows that the comparison can fail. With --demote the
exit status is 0 only if exactly the demoted cells are reported missed (ctest runs this).
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile

from trimcheck_runs import Usage

USAGE = Usage("engines_agree")

# explore's bounds for the agreement: the protocol regime in every configuration to depth
# 10, and arbitrary user space in the default configuration to depth 4. They contain the
# bounds of tests/data/explore-manifest.json (protocol, default configuration, depth 7) and
# take about 3 minutes for the 15 versions on 2 cores.
EXPLORE_BOUNDS = [
    ["--regime", "protocol", "--config", "all", "--max-depth", "10"],
    ["--regime", "arbitrary", "--config", "default", "--max-depth", "4"],
]


def check_cells(args, work):
    if args.check_json:
        try:
            with open(args.check_json) as handle:
                document = json.load(handle)
        except (OSError, json.JSONDecodeError) as error:
            USAGE.fail("--check-json %s: %s" % (args.check_json, error))
    else:
        command = [args.trimcheck, "check", "--json", "--quiet", "--jobs", str(args.jobs),
                   "--out", os.path.join(work, "check")]
        for proposal in args.proposal:
            command += ["--proposal", proposal]
        document = USAGE.run_json(command, {0})
    return {(cell["proposal"], cell["property"]): cell for cell in document["results"]}


def engine_commands(args, work, cells):
    proposals = sorted({proposal for proposal, _ in cells})
    for proposal in proposals:
        for number, bounds in enumerate(EXPLORE_BOUNDS):
            out = os.path.join(work, "explore-%s-%d" % (proposal, number))
            yield "explore", [args.trimcheck, "explore", "--proposal", proposal, "--json",
                              "--quiet", "--out", out] + bounds
    for (proposal, prop), cell in sorted(cells.items()):
        if cell["verdict"] == "n/a":
            continue
        out = os.path.join(work, "prove")
        yield "prove", [args.trimcheck, "prove", "--proposal", proposal, "--property", prop,
                        "--json", "--quiet", "--out", out]  # prove's defaults: depth 8, 60 s


def findings_of(engine, document):
    """(engine, proposal, property, found_in, trace) for every violation in a document."""
    if engine == "explore":
        for result in document["results"]:
            if result["verdict"] == "violated":
                yield (engine, document["proposal"], result["property"], result["found_in"],
                       result["trace"])
    elif document["verdict"] == "violated":  # a trace that does not replay exits 70
        yield (engine, document["proposal"], document["property"], document["found_in"],
               document["trace"])


def required_verdicts(found_in):
    if found_in["regime"] == "protocol" and found_in["config"] == "default":
        return {"violated"}
    return {"violated", "conditional"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trimcheck", help="the trimcheck binary")
    parser.add_argument("--jobs", type=int, default=2, help="engine runs at once (default 2)")
    parser.add_argument("--proposal", action="append", default=[],
                        help="only this version (repeatable; default: every version)")
    parser.add_argument("--check-json", help="check's --json document instead of a run")
    parser.add_argument("--misses", default="engines-agree-misses", metavar="DIR",
                        help="where the traces of misses are copied")
    parser.add_argument("--demote", action="append", default=[], metavar="VERSION:PROPERTY",
                        help="plant a miss: check's verdict of this cell becomes holds")
    args = parser.parse_args()
    if args.jobs < 1:
        USAGE.fail("--jobs must be at least 1, not %d" % args.jobs)

    with tempfile.TemporaryDirectory(prefix="trimcheck-engines.") as work:
        cells = check_cells(args, work)
        if not cells:
            USAGE.fail("check reported no cells")
        for planted in args.demote:
            key = tuple(planted.split(":", 1))
            if key not in cells:
                USAGE.fail("--demote %s: no such cell in check's results" % planted)
            cells[key] = dict(cells[key], verdict="holds")

        findings = []
        commands = list(engine_commands(args, work, cells))
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            # explore exits 1 on a violation; prove 1 on a violation, 3 when the pair is
            # not encoded or Z3 gave up, 70 when its trace does not replay (a failure here).
            futures = [(engine, pool.submit(USAGE.run_json, command, {0, 1, 3}))
                       for engine, command in commands]
            for engine, future in futures:
                findings += findings_of(engine, future.result())

        misses = []
        for engine, proposal, prop, found_in, trace in findings:
            cell = cells.get((proposal, prop))
            verdict = cell["verdict"] if cell else "absent"
            if verdict not in required_verdicts(found_in):
                misses.append((engine, proposal, prop, found_in, trace, verdict))
        for engine, proposal, prop, found_in, trace, verdict in misses:
            if "%s:%s" % (proposal, prop) not in args.demote:  # a planted miss needs no copy
                # <misses>/<the engine run's directory>/<trace>: explore's two bounds can
                # both find a property.
                kept = os.path.join(args.misses, os.path.basename(os.path.dirname(trace)),
                                    os.path.basename(trace))
                os.makedirs(os.path.dirname(kept), exist_ok=True)
                for suffix in (".json", ".txt"):  # prove writes the JSON trace only
                    source = trace[:-len(".json")] + suffix
                    if os.path.exists(source):
                        shutil.copyfile(source, kept[:-len(".json")] + suffix)
                trace = kept
            print("MISSED: %s %s: %s found a counterexample (%s user space, config %s) but "
                  "check says %s\n  trace: %s\n  replay: trimcheck replay %s"
                  % (proposal, prop, engine, found_in["regime"], found_in["config"], verdict,
                     trace, trace))
        counts = {engine: sum(1 for f in findings if f[0] == engine)
                  for engine in ("explore", "prove")}
        print("engines_agree: %d cells; explore found %d counterexamples, prove %d; "
              "check missed %d" % (len(cells), counts["explore"], counts["prove"], len(misses)))
        if args.demote:
            missed = {"%s:%s" % (miss[1], miss[2]) for miss in misses}
            caught = missed == set(args.demote)
            print("engines_agree: planted misses %s; reported %s: %s"
                  % (sorted(args.demote), sorted(missed), "caught" if caught else "NOT caught"))
            return 0 if caught else 1
        return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
