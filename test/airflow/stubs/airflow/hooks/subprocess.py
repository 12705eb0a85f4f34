from __future__ import annotations

import os
import signal
import subprocess
from collections import namedtuple
from tempfile import TemporaryDirectory

SubprocessResult = namedtuple("SubprocessResult", ["exit_code", "output"])


class SubprocessHook:
    """Airflow 2.9's: stderr merged into stdout, every line logged, the last one is the output."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def run_command(self, command: list[str], env: dict[str, str] | None = None, output_encoding: str = "utf-8", cwd: str | None = None) -> SubprocessResult:
        with TemporaryDirectory(prefix="airflowtmp") as tmp_dir:
            def pre_exec() -> None:
                for sig in ("SIGPIPE", "SIGXFZ", "SIGXFSZ"):
                    if hasattr(signal, sig):
                        signal.signal(getattr(signal, sig), signal.SIG_DFL)
                os.setsid()

            with subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=cwd or tmp_dir,
                env=env if env or env == {} else os.environ,
                preexec_fn=pre_exec,
            ) as process:
                line = ""
                assert process.stdout is not None
                for raw in iter(process.stdout.readline, b""):
                    line = raw.decode(output_encoding, errors="backslashreplace").rstrip()
                    self.lines.append(line)
                process.wait()
            return SubprocessResult(exit_code=process.returncode, output=line)
