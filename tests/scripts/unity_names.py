#!/usr/bin/python3
"""The libraries and `trimcheck` compile as unity builds (CMakeLists.txt,
trimcheck_unity_build): the sources of one target are concatenated, eight to a unit, so
what each source keeps in its anonymous namespace is shared with the sources after it in
the unit. Two helpers of one name then either fail to compile (the same parameters) or,
worse, overload each other (different parameters), and a call meant for one source's helper
can silently pick the other's. Which sources share a unit changes when a source is added.

This test reads the unity units CMake generated in a build directory (each names the
sources it includes, by target), collects the names each source declares at the top of
its anonymous namespaces (functions, variables and constants, types, aliases), and fails
when a name is declared in two sources of one target, whichever units they are in now.

  unity_names.py BUILD_DIR                 exit 0 no shared name, 1 shared names (one line
                                           each), 2 bad usage (no unity units found)
  unity_names.py --plant BUILD_DIR         also treats a copy of the first source's first
                                           name as declared in a second source: exit 0 only
                                           if that planted clash is the one reported
"""
import argparse
import collections
import glob
import os
import re
import sys

from trimcheck_runs import Usage

USAGE = Usage("unity_names")

INCLUDE = re.compile(r'^#include "(.+\.cpp)"$')
TYPE = re.compile(r"^(?:template <[^>]*> )?(?:struct|class|enum class|enum|union) (\w+)\b")
ALIAS = re.compile(r"^using (\w+) =")
CONSTANT = re.compile(r"\b([A-Za-z_]\w*)\s*(?:=[^=]|\{|\[)")
FUNCTION = re.compile(r"(?:operator\S+|[A-Za-z_]\w*)(?=\()")
SKIPPED_STARTS = ("//", "#", "}", "{", "namespace", "using namespace", "static_assert",
                  "extern", "friend", "return", "public:", "private:", "protected:")


def units_by_target(build):
    """{target: [source path, ...]} from build/**/CMakeFiles/TARGET.dir/Unity/*.cxx."""
    targets = collections.defaultdict(list)
    pattern = os.path.join(build, "**", "CMakeFiles", "*.dir", "Unity", "unity_*_cxx.cxx")
    for unit in sorted(glob.glob(pattern, recursive=True)):
        target = os.path.basename(os.path.dirname(os.path.dirname(unit)))[: -len(".dir")]
        with open(unit) as handle:
            for line in handle:
                match = INCLUDE.match(line.strip())
                if match:
                    targets[target].append(match.group(1))
    return targets


def declared_names(line):
    """The names a line at the top of an anonymous namespace declares."""
    if line[:1].isspace() or not line.strip() or line.startswith(SKIPPED_STARTS):
        return []
    for pattern in (TYPE, ALIAS):
        match = pattern.match(line)
        if match:
            return [match.group(1)]
    paren = line.find("(")
    head = line if paren < 0 else line[:paren]
    if "=" in head or paren < 0:  # a variable or constant (possibly several)
        return [m.group(1) for m in CONSTANT.finditer(head if paren >= 0 else line)
                if not m.group(1)[0].isupper() or m.group(1).startswith("k")]
    match = None
    for match in FUNCTION.finditer(head + "("):
        pass
    return [match.group(0)] if match else []


def anonymous_names(path):
    """{name: line number} of what the source declares at the top of its anonymous
    namespaces (clang-format puts `namespace {` and its `} // namespace` at column 0)."""
    names = {}
    inside = False
    with open(path, errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if line == "namespace {":
                inside = True
            elif line == "} // namespace":
                inside = False
            elif inside:
                for name in declared_names(line):
                    names.setdefault(name, number)
    return names


def shared_names(targets, plant):
    found = []
    for target, sources in sorted(targets.items()):
        first_seen = {}
        declared = [(source, anonymous_names(source)) for source in sources]
        if plant and len(declared) >= 2 and declared[0][1]:
            name = next(iter(declared[0][1]))
            declared[1][1].setdefault(name, 0)
            plant = False
            print("unity_names: planted %s of %s in %s" % (name, declared[0][0], declared[1][0]),
                  file=sys.stderr)
        for source, names in declared:
            for name, number in names.items():
                if name in first_seen:
                    other, other_number = first_seen[name]
                    found.append("%s: %s is declared in the anonymous namespaces of %s:%d and "
                                 "%s:%d; one unity unit may hold both: rename one"
                                 % (target, name, other, other_number, source, number))
                else:
                    first_seen[name] = (source, number)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", help="a configured build directory")
    parser.add_argument("--plant", action="store_true",
                        help="plant one shared name and require it to be reported")
    args = parser.parse_args()
    targets = units_by_target(args.build)
    if not targets:
        USAGE.fail("%s has no unity units (configure it first: scripts/build)" % args.build)
    found = shared_names(targets, args.plant)
    if args.plant:
        if len(found) == 1:
            print("unity_names: the planted shared name is reported:\n  " + found[0])
            return 0
        print("unity_names: expected exactly the planted name, found %d:" % len(found))
        for line in found:
            print("  " + line)
        return 1
    for line in found:
        print(line)
    sources = sum(len(sources) for sources in targets.values())
    if found:
        return 1
    print("unity_names: %d targets, %d sources: no name shared between anonymous namespaces"
          % (len(targets), sources))
    return 0


if __name__ == "__main__":
    sys.exit(main())
