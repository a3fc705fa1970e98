"""Child processes of a benchmark run: start, find workers, measure, stop.

Every process starts in a session of its own, so Ctrl-C in the terminal
reaches only the runner, and stopping a process signals its whole group
(a uvicorn master and its workers). ProcessRegistry stops whatever is still
running when the run ends, however it ends.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 15.0
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CoreLayout:
    """The CPU cores that the server side and the load generator may use.

    None means no pinning: the process may run on any core. The server side is
    the application server with its workers, PostgreSQL and the argon2 limit
    measurement; the load generator is wrk.
    """

    server: frozenset[int] | None
    load: frozenset[int] | None

    @property
    def pinned(self) -> bool:
        return self.server is not None

    def describe(self) -> str:
        if self.server is None or self.load is None:
            return "not pinned: server, PostgreSQL and wrk share all cores"
        return (
            f"server and PostgreSQL on core(s) {format_cores(self.server)}, "
            f"wrk on core(s) {format_cores(self.load)}"
        )


UNPINNED = CoreLayout(server=None, load=None)


def available_cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def split_layout() -> CoreLayout:
    """Give the last available core to wrk and the others to the server side.

    Returns UNPINNED on a machine with a single core, where there is nothing to split.
    """
    cores = available_cores()
    if len(cores) < 2:
        return UNPINNED
    return CoreLayout(server=frozenset(cores[:-1]), load=frozenset(cores[-1:]))


def format_cores(cores: frozenset[int]) -> str:
    return ",".join(str(core) for core in sorted(cores))


def taskset_prefix(cores: frozenset[int] | None) -> list[str]:
    """Return the argv prefix that starts a command on the given cores."""
    if cores is None:
        return []
    return ["taskset", "--cpu-list", format_cores(cores)]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now; another process may take it later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ManagedProcess:
    """A child process in its own session, with its output in a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        cores: frozenset[int] | None = None,
    ) -> None:
        self.name = name
        self.argv = [*taskset_prefix(cores), *argv]
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} has not started"
        return self.process.pid

    def start(self) -> None:
        logger.info("Starting %s: %s", self.name, " ".join(self.argv))
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - argv is built by the runner
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Send SIGTERM to the process group, then SIGKILL if it has not exited in time."""
        if self.process is None or self.process.returncode is not None:
            return
        logger.info("Stopping %s (pid %d)", self.name, self.process.pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                logger.warning("%s did not exit %.0f s after %s", self.name, timeout, sig.name)
        # Workers that outlived their master are still in the group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-characters:]
        except OSError as error:
            return f"(log unreadable: {error})"


class ProcessRegistry:
    """Stops every registered process, newest first, when the with block ends."""

    def __init__(self) -> None:
        self._processes: list[ManagedProcess] = []

    def add(self, process: ManagedProcess) -> ManagedProcess:
        self._processes.append(process)
        return process

    def __enter__(self) -> ProcessRegistry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    def stop_all(self) -> None:
        while self._processes:
            process = self._processes.pop()
            try:
                process.stop()
            except OSError as error:
                logger.error("Could not stop %s: %s", process.name, error)


# /proc readings


def child_pids(parent: int) -> list[int]:
    """Return the pids of the direct children of parent, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read_stat(int(entry.name))
        if stat is not None and int(stat[1]) == parent:
            children.append(int(entry.name))
    return sorted(children)


def command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def cpu_seconds(pid: int) -> float:
    """Return the user plus system CPU time of a process in seconds, 0.0 once it is gone."""
    stat = _read_stat(pid)
    if stat is None:
        return 0.0
    # Fields 14 and 15 of /proc/PID/stat; stat[0] here is field 3, the state.
    return (int(stat[11]) + int(stat[12])) / CLOCK_TICKS_PER_SECOND


def peak_rss_bytes(pid: int) -> int | None:
    """Return VmHWM, the peak resident set size of a process, or None if unreadable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS, so the next reading covers one scenario.

    Writing 5 to /proc/PID/clear_refs does that on Linux 4.0 and later. Returns
    False when the kernel or the permissions do not allow it.
    """
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def set_affinity(pids: Sequence[int], cores: frozenset[int] | None) -> None:
    """Pin processes to cores, or allow them every available core when cores is None."""
    target = set(cores) if cores is not None else set(available_cores())
    for pid in pids:
        try:
            os.sched_setaffinity(pid, target)
        except ProcessLookupError:
            continue


def wait_until_idle(
    pids: Sequence[int],
    threshold: float = 0.05,
    interval: float = 0.25,
    timeout: float = 120.0,
) -> float:
    """Wait until the processes together use less than threshold of one core.

    A request whose client went away still runs to its end on the server, so a
    run that follows a sign-in flood would otherwise pay for the queued hashes.
    Returns the seconds waited; logs a warning when timeout passes first.
    """
    started = time.monotonic()
    previous = sum(cpu_seconds(pid) for pid in pids)
    while True:
        time.sleep(interval)
        current = sum(cpu_seconds(pid) for pid in pids)
        if (current - previous) / interval < threshold:
            return time.monotonic() - started
        previous = current
        if time.monotonic() - started > timeout:
            logger.warning("Server still busy after %.0f s; going on", timeout)
            return time.monotonic() - started


def _read_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces.
    return raw.rpartition(")")[2].split()
