"""What the Python test scripts share: one way to refuse bad usage, and one way to run a
trimcheck command and read its --json document (engines_agree.py, explore_finds.py, unity_names.py)."""
import json
import subprocess
import sys


class Usage:
    """Exit 2 with one line naming the script: bad usage, or a trimcheck run that failed."""

    def __init__(self, script):
        self.script = script

    def fail(self, message):
        print("%s: %s" % (self.script, message), file=sys.stderr)
        sys.exit(2)

    def run_json(self, command, accept):
        """Runs one trimcheck command and returns its --json document; an exit code outside
        `accept`, or output that is no JSON document, is a failed run."""
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode not in accept:
            self.fail("`%s` exited %d: %s" % (" ".join(command), done.returncode,
                                              done.stderr.strip()[-2000:]))
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError as error:
            self.fail("`%s` printed no JSON document (%s)" % (" ".join(command), error))
