"""cd4ml training bootstrap: runs a training command inside a Kubernetes Job's container.

The pod holds no cloud credentials. cd4ml mounts a Secret with presigned URLs (transfer.json) and
a ConfigMap with this script and the SageMaker config files. The bootstrap

1. downloads the project source into /opt/ml/code and every channel file into
   /opt/ml/input/data/<channel>/, and writes /opt/ml/input/config/*.json;
2. installs the project's requirements.txt with pip when the command runs Python
   (cd4ml_requirements.py, mounted next to this script) and records that interpreter's library
   versions in /opt/ml/output/data, then runs the command (its arguments) in /opt/ml/code,
   passing signals on;
3. packs /opt/ml/model and /opt/ml/output and uploads them (output also after a failure);
4. exits with the command's exit code, and puts the failure text (/opt/ml/output/failure) into the
   container's termination message, where cd4ml reads it.

Every transfer reads its URL from the Secret again for each attempt: cd4ml renews the presigned
URLs during the run (credentials that sign them may expire), and a rejected one is retried for a
while, until the renewed one arrives.

Python 3 standard library only, so it runs in any image with Python. URLs are bearer tokens: they
are never printed. Environment overrides, for tests: CD4ML_ML_ROOT (/opt/ml), CD4ML_TRANSFER_FILE,
CD4ML_BOOTSTRAP_DIR (this script's directory), CD4ML_TERMINATION_LOG (/dev/termination-log),
CD4ML_RENEWAL_WAIT_SECONDS (900) and CD4ML_RENEWAL_POLL_SECONDS (15).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request

ML_ROOT = os.environ.get("CD4ML_ML_ROOT", "/opt/ml")
TRANSFER_FILE = os.environ.get("CD4ML_TRANSFER_FILE", "/var/run/cd4ml/transfer/transfer.json")
BOOTSTRAP_DIR = os.environ.get("CD4ML_BOOTSTRAP_DIR", os.path.dirname(os.path.abspath(__file__)))
TERMINATION_LOG = os.environ.get("CD4ML_TERMINATION_LOG", "/dev/termination-log")
CONFIG_FILES = ("hyperparameters.json", "inputdataconfig.json")
ATTEMPTS = 4
TIMEOUT_SECONDS = 120
TERMINATION_LIMIT = 4000  # Kubernetes keeps at most 4096 bytes
# cd4ml signs the URLs again every few minutes; a rejected one is retried until then
RENEWAL_WAIT_SECONDS = int(os.environ.get("CD4ML_RENEWAL_WAIT_SECONDS", "900"))
RENEWAL_POLL_SECONDS = float(os.environ.get("CD4ML_RENEWAL_POLL_SECONDS", "15"))

sys.path.insert(0, BOOTSTRAP_DIR)
import cd4ml_requirements  # noqa: E402 (mounted next to this script)


class TransferError(Exception):
    """A download or upload failed; the message names what, never the URL."""


def say(text):
    print("[cd4ml] " + text, flush=True)


def human(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return ("%d %s" % (size, unit)) if unit == "B" else ("%.1f %s" % (size, unit))
        size /= 1024.0


def describe(error):
    if isinstance(error, urllib.error.HTTPError):
        hint = ""
        if error.code == 403:
            hint = " (the presigned URL was rejected: expired, or the engine's credentials lack access)"
        return "HTTP %d %s%s" % (error.code, error.reason, hint)
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error)


def retrying(what, action, renewable=lambda: False):
    """Runs action, retrying server errors; a rejected (403) presigned URL is waited on for a renewal."""
    attempt = 0
    waiting_until = None
    while True:
        try:
            return action()
        except (urllib.error.URLError, OSError) as error:
            rejected = isinstance(error, urllib.error.HTTPError) and error.code == 403
            if rejected and renewable():
                if waiting_until is None:
                    waiting_until = time.monotonic() + RENEWAL_WAIT_SECONDS
                    say("%s: %s; waiting up to %d s for cd4ml to renew the URL"
                        % (what, describe(error), RENEWAL_WAIT_SECONDS))
                if time.monotonic() < waiting_until:
                    time.sleep(RENEWAL_POLL_SECONDS)
                    continue
            attempt += 1
            retryable = not isinstance(error, urllib.error.HTTPError) or error.code >= 500 or error.code == 429
            if not retryable or attempt >= ATTEMPTS:
                raise TransferError("%s failed: %s" % (what, describe(error))) from None
            time.sleep(2 ** attempt)


def download(select, target, what):
    """GETs the URL select() picks from the transfer file into target."""
    partial = target + ".partial"
    state = {}

    def attempt():
        url = current_url(select, state)
        with urllib.request.urlopen(urllib.request.Request(url), timeout=TIMEOUT_SECONDS) as response:
            with open(partial, "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
        os.replace(partial, target)
        return os.path.getsize(target)

    return retrying(what, attempt, renewable=lambda: presigned(state.get("url")))


def upload(path, select, what):
    """PUTs path to the URL select() picks from the transfer file."""
    size = os.path.getsize(path)
    state = {}

    def attempt():
        url = current_url(select, state)
        with open(path, "rb") as body:
            request = urllib.request.Request(url, data=body, method="PUT", headers={
                "Content-Length": str(size), "Content-Type": "application/gzip"})
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()

    retrying(what, attempt, renewable=lambda: presigned(state.get("url")))
    return size


def current_url(select, state):
    """The URL as the transfer file has it now (cd4ml renews them); the last one while the kubelet swaps the file."""
    try:
        state["url"] = select(read_transfer())
    except (OSError, ValueError, KeyError, IndexError):
        if "url" not in state:
            raise
    return state["url"]


def presigned(url):
    return url is not None and "Signature=" in url  # a presigned S3 URL (SigV4 or V2)


_transfer = {}


def read_transfer():
    """The transfer file, parsed again only when it changed (the kubelet swaps in a renewed one)."""
    stat = os.stat(TRANSFER_FILE)
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if _transfer.get("version") != version:
        with open(TRANSFER_FILE, encoding="utf-8") as f:
            _transfer.update(version=version, content=json.load(f))
    return _transfer["content"]


def inside(root, relative):
    """The path of `relative` below `root`, refusing anything that would leave it."""
    target = os.path.normpath(os.path.join(root, relative))
    if os.path.isabs(relative) or not target.startswith(os.path.normpath(root) + os.sep):
        raise TransferError("refusing to write %r outside %s" % (relative, root))
    return target


def unpack(archive, target):
    with tarfile.open(archive, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            if os.path.normpath(member.name) == ".":
                continue
            inside(target, member.name)
            if member.isfile() or member.isdir():
                members.append(member)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, members=members, filter="data")
        else:
            tar.extractall(target, members=members)
    return len([m for m in members if m.isfile()])


def pack(directory, archive):
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        for dirpath, dirnames, filenames in os.walk(directory):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if os.path.isfile(path):
                    tar.add(path, arcname=os.path.relpath(path, directory), recursive=False)
                    count += 1
    return count


def stage(transfer, code_dir, data_dir, config_dir, work_dir):
    archive = os.path.join(work_dir, "source.tar.gz")
    size = download(lambda t: t["source"], archive, "download of the project source")
    files = unpack(archive, code_dir)
    os.remove(archive)
    say("project source: %d files (%s) in %s" % (files, human(size), code_dir))
    for channel, entries in transfer.get("channels", {}).items():
        channel_dir = inside(data_dir, channel)
        os.makedirs(channel_dir, exist_ok=True)
        total = 0
        for index, entry in enumerate(entries):
            target = inside(channel_dir, entry["path"])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            total += download(lambda t, c=channel, i=index: t["channels"][c][i]["url"], target,
                              "download of channel '%s' file %s" % (channel, entry["path"]))
        say("channel %s: %d files (%s)" % (channel, len(entries), human(total)))
    for name in CONFIG_FILES:
        source = os.path.join(BOOTSTRAP_DIR, name)
        if os.path.isfile(source):
            shutil.copyfile(source, os.path.join(config_dir, name))


def command_line(args):
    """The command to run; `python`/`python3` falls back to this interpreter if the image lacks that name."""
    if args[0] in ("python", "python3") and shutil.which(args[0]) is None:
        return [sys.executable] + args[1:]
    return args


class Child:
    """The training process, with SIGTERM/SIGINT passed on (as PID 1 we would otherwise ignore them)."""

    def __init__(self):
        self.process = None
        self.stopping = False
        signal.signal(signal.SIGTERM, self.forward)
        signal.signal(signal.SIGINT, self.forward)

    def forward(self, signum, frame):
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)
        else:
            sys.exit(128 + signum)

    def run(self, args, cwd):
        self.process = subprocess.Popen(args, cwd=cwd)
        while True:
            try:
                return self.process.wait()
            except KeyboardInterrupt:
                continue


def install_requirements(args, code_dir):
    """pip-installs the project's requirements.txt for a Python command; returns the failure text, or None."""
    if not cd4ml_requirements.runs_python(args[0]):
        return None
    return cd4ml_requirements.install(shutil.which(args[0]) or args[0], code_dir)


def record_versions(args, code_dir, output_dir):
    """Records the library versions of the command's interpreter (for model.json) in output_dir/data."""
    if not cd4ml_requirements.runs_python(args[0]):
        return
    script = os.path.join(BOOTSTRAP_DIR, "cd4ml_requirements.py")
    subprocess.run([shutil.which(args[0]) or args[0], script, "--record-only", os.path.join(output_dir, "data")],
                   cwd=code_dir, check=False)


def failure_text(output_dir):
    path = os.path.join(output_dir, "failure")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().strip()


def terminate_with(text):
    """Puts `text` into the termination message, where cd4ml reads why the run failed."""
    try:
        data = text.encode("utf-8")[-TERMINATION_LIMIT:]
        with open(TERMINATION_LOG, "wb") as f:
            f.write(data)
    except OSError as error:
        say("could not write the termination message: %s" % error)


def publish(key, directory, work_dir, name):
    archive = os.path.join(work_dir, name)
    files = pack(directory, archive)
    size = upload(archive, lambda t: t[key], "upload of " + name)
    say("uploaded %s: %d files (%s)" % (name, files, human(size)))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: bootstrap.py COMMAND [ARG...]\n")
        return 2
    transfer = read_transfer()
    code_dir = os.path.join(ML_ROOT, "code")
    data_dir = os.path.join(ML_ROOT, "input", "data")
    config_dir = os.path.join(ML_ROOT, "input", "config")
    model_dir = os.path.join(ML_ROOT, "model")
    output_dir = os.path.join(ML_ROOT, "output")
    work_dir = os.path.join(ML_ROOT, ".cd4ml")
    for d in (code_dir, data_dir, config_dir, model_dir, os.path.join(output_dir, "data"), work_dir):
        os.makedirs(d, exist_ok=True)

    child = Child()
    try:
        stage(transfer, code_dir, data_dir, config_dir, work_dir)
    except (TransferError, OSError, tarfile.TarError) as error:
        say(str(error))
        terminate_with("cd4ml could not stage the inputs: %s" % error)
        return 1

    args = command_line(argv[1:])
    failure = install_requirements(args, code_dir)
    if failure:
        say(failure)
        cd4ml_requirements.write_failure(output_dir, failure)
        code = 1
    else:
        record_versions(args, code_dir, output_dir)
        say("running: " + " ".join(argv[1:]))
        code = child.run(args, code_dir)
    if child.stopping:
        say("stopped")
        return 128 + signal.SIGTERM if code < 0 else code
    if code < 0:
        code = 128 - code  # killed by a signal, as a shell reports it
    failure = failure_text(output_dir)
    try:
        if code == 0 and not failure:
            publish("model", model_dir, work_dir, "model.tar.gz")
        publish("output", output_dir, work_dir, "output.tar.gz")
    except (TransferError, OSError, tarfile.TarError) as error:
        say(str(error))
        if code == 0 and not failure:
            terminate_with("cd4ml could not upload the results: %s" % error)
            return 1
    if failure:
        terminate_with(failure)
        return code if code != 0 else 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
