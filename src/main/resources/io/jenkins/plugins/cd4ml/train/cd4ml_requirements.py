"""cd4ml: installs a training project's requirements.txt with pip and records the library versions
of the training environment, then the training command runs.

SageMaker's framework containers install a source directory's requirements.txt before they run
the entry point; cd4ml does the same in the containers it starts itself, so that a stock image
such as python:3.11-slim trains a project that needs scikit-learn. An image without pip is
expected to provide the packages already (it is only told so in the log), and requirements that
are already satisfied need no package index.

The versions (Python, scikit-learn and every package requirements.txt names, as installed) go to
cd4ml-environment.json in the output data directory ($SM_OUTPUT_DATA_DIR, /opt/ml/output/data),
which every backend brings back; cd4ml writes them into model.json, so the serving image can
install the same versions and the server can say when it runs others.

Uses, Python 3 standard library only:
- docker backend: the container's entry point, `python3 -c <this file> COMMAND [ARG...]`
  (run from the project directory): installs, records, then replaces itself with the command;
- local backend: `python3 -c <this file> --record-only` before the command (cd4ml installs nothing
  into the user's interpreter);
- sagemaker backend: the `sagemaker_program` the SageMaker training toolkit runs (packed with the
  code), `python3 cd4ml_requirements.py --name value ...` with CD4ML_PROGRAM naming the user's
  script: records, then replaces itself with `python3 SCRIPT --name value ...` (the toolkit has
  installed requirements.txt already);
- kubernetes backend: imported by bootstrap.py, which calls install() after staging the source,
  then runs `python3 cd4ml_requirements.py --record-only DIR` with the command's interpreter.
"""

import json
import os
import platform
import re
import subprocess
import sys

FILE = "requirements.txt"
VERSIONS_FILE = "cd4ml-environment.json"  # TrainingRequirements.VERSIONS_FILE
PYTHON = re.compile(r"python(\d+(\.\d+)?)?")  # python, python3, python3.11 (TrainingRequirements too)
# A requirement line's project name (PEP 508); options (-r, -e, --index-url) and paths/URLs have none.
REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:[\[<>=!~;@ ]|$)")
ALWAYS_RECORDED = ("scikit-learn",)  # what the server's default loader unpickles with


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


def canonical(name):
    """A project name as PEP 503 compares them: scikit_learn, Scikit.Learn -> scikit-learn."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(code_dir):
    """The project names code_dir's requirements.txt lists, canonical, in file order."""
    path = os.path.join(code_dir, FILE)
    if not os.path.isfile(path):
        return []
    names = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "-", ".", "/")) or "://" in line.split("@", 1)[0]:
                continue
            match = REQUIREMENT_NAME.match(line)
            if match and canonical(match.group(1)) not in names:
                names.append(canonical(match.group(1)))
    return names


def installed_version(name):
    """The installed version of project `name`, or None."""
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8
        return None
    for candidate in (name, name.replace("-", "_"), name.replace("-", ".")):
        try:
            return metadata.version(candidate)
        except Exception:  # PackageNotFoundError, or a broken distribution's metadata
            continue
    return None


def versions(code_dir):
    """Python's version and the installed versions of scikit-learn and of what requirements.txt names."""
    packages = {}
    for name in list(ALWAYS_RECORDED) + requirement_names(code_dir):
        version = installed_version(name)
        if version is not None:
            packages[name] = version
    return {"python": platform.python_version(), "packages": packages}


def record(code_dir, output_data_dir):
    """Writes versions(code_dir) to VERSIONS_FILE in output_data_dir; a failure is only said, never fatal."""
    try:
        found = versions(code_dir)
        os.makedirs(output_data_dir, exist_ok=True)
        with open(os.path.join(output_data_dir, VERSIONS_FILE), "w", encoding="utf-8") as f:
            json.dump(found, f, sort_keys=True)
        say("training with Python %s%s" % (found["python"], "".join(
            ", %s %s" % item for item in sorted(found["packages"].items()))))
    except Exception as error:  # never a reason for the training to fail
        say("could not record the library versions: %s" % error)


def output_data_dir():
    return os.environ.get("SM_OUTPUT_DATA_DIR") or os.path.join(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"),
                                                                 "data")


def main(argv):
    """The docker entry point: install, record, then exec the command (argv); or --record-only [DIR];
    or, with CD4ML_PROGRAM set (SageMaker), record, then exec that script with argv."""
    if argv[:1] == ["--record-only"] and len(argv) <= 2:
        record(os.getcwd(), argv[1] if len(argv) == 2 else output_data_dir())
        return 0
    program = os.environ.get("CD4ML_PROGRAM")
    if program:
        record(os.getcwd(), output_data_dir())
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, program] + argv)
    if not argv:
        sys.stderr.write("usage: python3 -c <cd4ml_requirements.py> COMMAND [ARG...] | --record-only [DIR]\n")
        return 2
    failure = install(sys.executable, os.getcwd())
    if failure is not None:
        say(failure)
        try:
            write_failure(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"), failure)
        except OSError as error:
            say("could not write the failure file: %s" % error)
        return 1
    record(os.getcwd(), output_data_dir())
    sys.stdout.flush()
    os.execvp(argv[0], argv)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
