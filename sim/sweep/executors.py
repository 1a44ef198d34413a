"""Executors: where jobs run. Each yields results as jobs finish, with a bounded number in
flight, so memory stays flat however many jobs a sweep has.

- `serial`: in this process.
- `processes`: a local process pool (spawned workers), all cores by default.
- `dask`: a Dask distributed cluster: a local one by default, or an existing scheduler by
  address (`tcp://host:8786`), which is how a sweep moves onto many machines.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context

from ..scenario import InputError, Issue
from .evaluate import Job, evaluate

EXECUTORS = ("serial", "processes", "dask")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_jobs(jobs: Iterable[Job], executor: str = "processes", workers: int | None = None,
             scheduler: str | None = None) -> Iterator[dict]:
    """Evaluate `jobs`, yielding each result as it finishes (in no particular order)."""
    if executor not in EXECUTORS:
        raise InputError(Issue("--executor", executor, f"unknown executor; choose one of {', '.join(EXECUTORS)}"))
    if scheduler is not None and executor != "dask":
        raise InputError(Issue("--scheduler", scheduler, "a scheduler address goes with --executor dask"))
    workers = workers or default_workers()
    if executor == "serial":
        yield from map(evaluate, jobs)
    elif executor == "processes":
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            try:
                yield from _bounded(_shielded(pool.submit), jobs, 4 * workers)
            except BaseException:  # Ctrl-C: stop now; only the runs in flight finish
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    else:
        yield from _dask(jobs, workers, scheduler)


def _shielded(submit):
    """`submit` that starts worker processes with Ctrl-C blocked: it reaches this process alone,
    which stops the sweep and says so once, instead of each worker printing a traceback."""
    if not hasattr(signal, "pthread_sigmask"):
        return submit

    def shielded(*args):
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return submit(*args)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    return shielded


def _bounded(submit, jobs: Iterable[Job], window: int) -> Iterator[dict]:
    """Keep at most `window` jobs in flight; yield results as they complete."""
    pending = set()
    for job in jobs:
        pending.add(submit(evaluate, job))
        if len(pending) >= window:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()


def _dask(jobs: Iterable[Job], workers: int, scheduler: str | None) -> Iterator[dict]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(Issue("--executor", "dask", "needs Dask: pip install 'alignsim[distributed]'")) from None
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise InputError(Issue("--scheduler", scheduler, f"cannot reach the Dask scheduler: {exc}")) from None
        with client:
            window = 4 * max(1, len(client.scheduler_info().get("workers", {})) or workers)
            iterator = iter(jobs)
            queue = as_completed()
            for job in iterator:
                queue.add(client.submit(evaluate, job, pure=False))
                if queue.count() >= window:
                    break
            for future in queue:
                yield future.result()
                future.release()
                job = next(iterator, None)
                if job is not None:
                    queue.add(client.submit(evaluate, job, pure=False))
    finally:
        if cluster is not None:
            cluster.close()
