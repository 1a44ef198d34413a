"""Executors: where jobs run. Each yields results as jobs finish, with a bounded number in
flight, so memory stays flat however many jobs a sweep has.

- `auto` (the default): `serial` for a sweep too small to repay starting workers, else `processes`.
  The first job runs here and is timed; the rest goes to a pool only when the time the other
  workers would save exceeds, by a margin, what starting them costs (see `worth_a_pool`).
- `serial`: in this process.
- `processes`: a local process pool, all cores by default. Workers are forked from a forkserver
  that has imported `sim.sweep.evaluate` once, so a worker starts in milliseconds instead of
  paying a new interpreter and the Mesa import (about 1.1 s each) as spawned workers did. The
  pool is kept for the next sweep of the same process (a notebook's, an estimation's): its
  workers keep what they compiled (`shared_pool`).
- `dask`: a Dask distributed cluster: a local one by default, or an existing scheduler by
  address (`tcp://host:8786`), which is how a sweep moves onto many machines.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import forkserver, get_context

from ..scenario import InputError, Issue
from .evaluate import Job, evaluate

EXECUTORS = ("auto", "serial", "processes", "dask")

POOL_START_SECONDS = 1.5
"""What a first pool costs before its first result: starting the forkserver, which imports
alignsim and Mesa once (about 1.2 s measured on 2 cores, docs/performance.md), and the workers."""

MARGIN = 2.0
"""`auto` chooses a pool only when it is expected to save at least this many times its start-up:
the first job's time is a noisy estimate of a run's cost, and a wrong guess towards serial costs
little on a sweep this short."""


def job_runs(job: Job) -> int:
    return sum(len(replications) for _, _, replications in job.points)


def worth_a_pool(remaining_runs: int, seconds_per_run: float, workers: int) -> bool:
    """Whether `workers` processes would finish `remaining_runs` sooner than this process alone,
    by more than MARGIN x the pool's start-up: serially they take W = runs x cost, on the pool
    about W / workers after the start-up."""
    if workers < 2:
        return False
    work = remaining_runs * seconds_per_run
    return work * (1 - 1 / workers) > MARGIN * POOL_START_SECONDS


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_jobs(jobs: Iterable[Job], executor: str = "auto", workers: int | None = None,
             scheduler: str | None = None, runs: int | None = None) -> Iterator[dict]:
    """Evaluate `jobs`, yielding each result as it finishes (in no particular order). `runs`, the
    number of runs the jobs hold in all, lets `auto` choose; without it `auto` runs serially."""
    if executor not in EXECUTORS:
        raise InputError(Issue("--executor", executor, f"unknown executor; choose one of {', '.join(EXECUTORS)}"))
    if scheduler is not None and executor != "dask":
        raise InputError(Issue("--scheduler", scheduler, "a scheduler address goes with --executor dask"))
    workers = workers or default_workers()
    if executor == "auto":
        jobs = iter(jobs)
        first = next(jobs, None)
        if first is None:
            return
        start = time.perf_counter()
        result = evaluate(first)
        seconds_per_run = (time.perf_counter() - start) / max(job_runs(first), 1)
        yield result
        remaining = (runs or 0) - job_runs(first)
        executor = "processes" if worth_a_pool(remaining, seconds_per_run, workers) else "serial"
    if executor == "serial":
        yield from map(evaluate, jobs)
    elif executor == "processes":
        pool = shared_pool(workers)
        try:
            yield from _bounded(_shielded(pool.submit), jobs, 4 * workers)
        except BaseException:  # Ctrl-C, a lost worker, a sweep abandoned: stop now; only the runs in flight finish
            close_pool()
            raise
    else:
        yield from _dask(jobs, workers, scheduler)


_POOL: dict[int, ProcessPoolExecutor] = {}  # the kept pool by its number of workers; one at most


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes, kept for this process's next sweep. Its workers keep their
    caches between sweeps (a scenario's compiled timelines, imputed columns; all keyed by content,
    so a changed scenario is compiled again), which a new pool would fill again: for a short sweep
    that is a third of its time (docs/performance.md). A pool of another size replaces it."""
    pool = _POOL.get(workers)
    if pool is None:
        close_pool()
        pool = _POOL[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver())
    return pool


def _forkserver():
    context = get_context("forkserver")
    # scipy.stats too, which sim.inputs imports only when it first imputes (it costs a command
    # a quarter of a second): every worker would import it again.
    context.set_forkserver_preload(["sim.sweep.evaluate", "scipy.stats"])
    return context


def start_early(executor: str, workers: int | None) -> None:
    """Start the forkserver now, if this sweep may use a pool: it imports alignsim (about a second)
    while this process reads the sweep and lays out its points, instead of after. It does not
    wait for the forkserver, which serves every later pool of this process."""
    if executor in ("auto", "processes") and (workers or default_workers()) > 1 and not _POOL:
        _forkserver()
        _shielded(forkserver.ensure_running)()


def close_pool() -> None:
    """Stop the kept pool's workers now; jobs not yet started are cancelled."""
    for pool in _POOL.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _POOL.clear()


def _shielded(submit):
    """`submit` (or whatever starts processes) with Ctrl-C blocked: it reaches this process alone,
    which stops the sweep and says so once, instead of each worker printing a traceback. The
    forkserver, started early or by the first submit, inherits the blocked signal and so do the
    workers it forks."""
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


def local_cluster(workers: int):
    """A Dask cluster of `workers` single-threaded processes on this machine, for this sweep alone.
    Its workers load this module (`dask_setup`)."""
    from dask.distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, preload=[__name__])


HEARTBEAT_FAILED = "Failed to communicate with scheduler during heartbeat."


def _not_a_closing_heartbeat(record: logging.LogRecord) -> bool:
    return record.msg != HEARTBEAT_FAILED


def dask_setup(worker) -> None:
    """Run by Dask in each worker of a sweep's own cluster: when the sweep ends and the cluster
    closes, a worker's heartbeat can be in flight as the scheduler closes its connection, and the
    worker logs the failure with a traceback (a race inside distributed). The scheduler lives in
    the sweep's process, so the worker cannot lose it otherwise: the record is dropped."""
    logging.getLogger("distributed.worker").addFilter(_not_a_closing_heartbeat)


def _dask(jobs: Iterable[Job], workers: int, scheduler: str | None) -> Iterator[dict]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise InputError(Issue("--executor", "dask", "needs Dask: pip install 'alignsim[distributed]'")) from None
    cluster = None
    try:
        if scheduler is None:
            cluster = local_cluster(workers)
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
