"""Process memory and CPU from /proc (psutil is not a dependency)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB (0 when unreadable)."""
    values = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values["rss_mb" if name == "VmRSS" else "peak_rss_mb"] = int(rest.split()[0]) / 1024
    return values


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (a multi-worker server's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_memory_mb(pid: int) -> dict[str, float]:
    """`memory_mb` added up over `pid` and its descendants (the same as `memory_mb` for one process)."""
    totals = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    for member in descendants(pid):
        for name, value in memory_mb(member).items():
            totals[name] += value
    return totals


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, all threads (0 when unreadable)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    # user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


@dataclass
class CpuMeter:
    """CPU use of some processes over an interval, as a percentage of one core."""

    pids: dict[str, int]
    trees: tuple[str, ...] = ()  # names whose descendants count too (a server's worker processes)

    def __post_init__(self) -> None:
        self._wall = time.perf_counter()
        self._members = {name: descendants(pid) if name in self.trees else [pid] for name, pid in self.pids.items()}
        self._start = {name: self._cpu(name) for name in self.pids}
        self._machine = machine_ticks()

    def read(self) -> dict[str, float]:
        """Percent of one core each process used since the meter was created; `machine`: % of all cores busy."""
        wall = max(time.perf_counter() - self._wall, 1e-9)
        used = {name: round(100 * (self._cpu(name) - self._start[name]) / wall, 1) for name in self.pids}
        busy, total = machine_ticks()
        used["machine"] = round(100 * (busy - self._machine[0]) / max(total - self._machine[1], 1), 1)
        return used

    def seconds(self, name: str) -> float:
        """CPU seconds process `name` used since the meter was created."""
        return self._cpu(name) - self._start[name]

    def _cpu(self, name: str) -> float:
        """CPU seconds of `name`'s processes (as found when the meter was created)."""
        return sum(cpu_seconds(pid) for pid in self._members[name])
