"""cd4ml: installs a training project's requirements.txt with pip, then the training command runs.

SageMaker's framework containers install a source directory's requirements.txt before they run
the entry point; cd4ml does the same in the containers it starts itself, so that a stock image
such as python:3.11-slim trains a project that needs scikit-learn. An image without pip is
expected to provide the packages already (it is only told so in the log), and requirements that
are already satisfied need no package index.

Two uses, Python 3 standard library only:
- docker backend: the container's entry point, `python3 -c <this file> COMMAND [ARG...]`
  (run from the project directory): installs, then replaces itself with the command;
- kubernetes backend: imported by bootstrap.py, which calls install() after staging the source.
"""

import os
import re
import subprocess
import sys

FILE = "requirements.txt"
PYTHON = re.compile(r"python(\d+(\.\d+)?)?")  # python, python3, python3.11 (TrainingRequirements too)


def say(text):
    print("[cd4ml] " + text, flush=True)


def runs_python(program):
    """Whether program (a name or path) is a Python interpreter, whose packages pip installs."""
    return PYTHON.fullmatch(os.path.basename(program)) is not None


def write_failure(output_dir, text):
    """Writes the SageMaker failure file, which cd4ml reports as the reason the run failed."""
    with open(os.path.join(output_dir, "failure"), "w", encoding="utf-8") as f:
        f.write(text)


def wanted(code_dir):
    """Whether code_dir has a requirements.txt with at least one requirement in it."""
    path = os.path.join(code_dir, FILE)
    if not os.path.isfile(path):
        return False
    with open(path, encoding="utf-8", errors="replace") as f:
        return any(line.strip() and not line.lstrip().startswith("#") for line in f)


def install(python, code_dir):
    """Installs code_dir's requirements.txt with `python -m pip`; returns the failure text, or None."""
    if not wanted(code_dir):
        return None
    probe = subprocess.run([python, "-m", "pip", "--version"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
    if probe.returncode != 0:
        say("%s not installed: the training image has no pip, so it must already provide the packages" % FILE)
        return None
    say("installing %s with pip" % FILE)
    # A training container is thrown away afterwards: installing over a distribution's packages
    # (PEP 668) harms nothing, and root is the usual user of such images.
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
               PIP_BREAK_SYSTEM_PACKAGES="1", PIP_ROOT_USER_ACTION="ignore")
    code = subprocess.run([python, "-m", "pip", "install", "--no-cache-dir", "-r", FILE], cwd=code_dir,
                          env=env, check=False).returncode
    if code != 0:
        return ("installing %s with pip failed (exit %d): the pip output above says why; pin versions the "
                "package index has, or set PIP_INDEX_URL for a private index" % (FILE, code))
    return None


def main(argv):
    """The docker entry point: install, then exec the command (argv) in this directory."""
    if not argv:
        sys.stderr.write("usage: python3 -c <cd4ml_requirements.py> COMMAND [ARG...]\n")
        return 2
    failure = install(sys.executable, os.getcwd())
    if failure is not None:
        say(failure)
        try:
            write_failure(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"), failure)
        except OSError as error:
            say("could not write the failure file: %s" % error)
        return 1
    sys.stdout.flush()
    os.execvp(argv[0], argv)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
