"""A small process that starts the bench's child processes and reports their peak memory.

Why it exists: on Linux a child's ``ru_maxrss`` (``resource.getrusage(RUSAGE_CHILDREN)``,
``os.wait4``) starts at the RSS of the process that forked it - ``exec`` carries the old
address space's high-water mark over. Children forked straight from a bench process
that holds a million-row database cache would all report at least its size. This
process stays a few megabytes (standard library only) for the whole run, so what
``wait4`` says about a child it started is that child's own peak.

Protocol, one JSON object per line: the bench writes ``{"argv", "cwd", "env", "stdout",
"stderr", "stdin", "timeout"}`` (output goes to the named files) and reads back
``{"rc", "seconds", "maxrss_kb", "user_s", "sys_s", "timed_out"}``. End of input ends it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time


def run_one(job: dict) -> dict:
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        start = time.perf_counter_ns()
        proc = subprocess.Popen(job["argv"], cwd=job.get("cwd"), env=job.get("env"),
                                stdin=subprocess.PIPE if job.get("stdin") is not None else subprocess.DEVNULL,
                                stdout=out, stderr=err)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.send_signal(signal.SIGKILL)

        timer = threading.Timer(float(job.get("timeout") or 3600), kill)
        timer.start()
        try:
            if job.get("stdin") is not None:
                proc.stdin.write(job["stdin"].encode())
                proc.stdin.close()
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = (time.perf_counter_ns() - start) / 1e9
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {"rc": proc.returncode, "seconds": seconds, "maxrss_kb": usage.ru_maxrss, "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "timed_out": timed_out.is_set()}


def main() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = run_one(json.loads(line))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
