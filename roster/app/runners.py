"""Where independent solves run: local processes, or Ray tasks on one machine or a cluster.

A runner takes a function and its arguments and yields each result as it finishes, with the
argument's index. A task that raises, or whose process dies, yields a :class:`TaskFailed` instead:
one task's end is never the end of the others. Closing the iterator early (Ctrl-C, an error in the
caller) cancels the tasks still pending or running. Results come back to the caller, so the
machines that run the tasks need no shared disk; the function and its arguments must pickle.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

A = TypeVar("A")
R = TypeVar("R")

RAY_MISSING = (
    "Ray is not installed. Install the optional extra: pip install -e '.[ray]' "
    "(or pip install 'roster[ray]'), then run again."
)


@dataclass(frozen=True)
class TaskFailed:
    """A task that gave no result: it raised, or the process running it died."""

    message: str


Results = Generator[tuple[int, R | TaskFailed], None, None]
"""(index of the argument, its result) as each task finishes; close it to cancel the rest."""


class RunnerError(Exception):
    """The runner cannot start (Ray missing, no cluster at the address, too few CPUs)."""


class Runner(Protocol):
    """Runs ``fn(arg)`` for each argument, each task with ``cpus`` CPUs to itself."""

    def run(self, fn: Callable[[A], R], args: Sequence[A], cpus: int) -> Results[R]: ...


def _child_setup() -> None:
    """In a task's process: Ctrl-C is the caller's to handle, and anything the solver prints
    (CP-SAT's log) goes to stderr, leaving stdout to the caller's tables."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.dup2(2, 1)


def _alone(fn: Callable[[A], R], arg: A) -> R:
    """One task in a fresh process of its own: its memory is its own, and if it dies only this
    task is lost."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_child_setup) as pool:
        return pool.submit(fn, arg).result()


def _failure(err: BaseException) -> TaskFailed:
    if isinstance(err, BrokenProcessPool):
        return TaskFailed("the worker process died (killed, or out of memory)")
    return TaskFailed(f"{type(err).__name__}: {err}")


def _stop(futures: set[Future[Any]]) -> None:
    """Cancel the futures not started and end the processes of those running, until every one
    is done (a task's process may be starting as the others end)."""
    running = {f for f in futures if not f.cancel()}
    while running:
        for child in multiprocessing.active_children():
            child.terminate()
        _, running = wait_futures(running, timeout=0.2)


@dataclass(frozen=True)
class ProcessRunner:
    """Local processes, at most ``jobs`` tasks at once.

    The tasks share ``jobs`` worker processes, which keep what they imported. When one of them
    dies, every task not yet finished runs again, each in a fresh process of its own: the one
    that kills its process fails alone. ``fresh_process`` gives every task a fresh process from
    the start, so that its peak memory is its own.
    """

    jobs: int
    fresh_process: bool = False

    def run(self, fn: Callable[[A], R], args: Sequence[A], cpus: int) -> Results[R]:
        left = list(range(len(args)))
        if not self.fresh_process:
            left = yield from self._shared(fn, args)
        if left:
            yield from self._apart(fn, args, left)

    def _shared(self, fn: Callable[[A], R], args: Sequence[A]) -> Generator[Any, None, list[int]]:
        """Yield what the shared workers finish; return the tasks a dying worker took down."""
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_child_setup)
        futures = {pool.submit(fn, a): i for i, a in enumerate(args)}
        pending = set(futures)
        broken = []
        try:
            while pending:
                done, pending = wait_futures(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=futures.__getitem__):
                    err = future.exception()
                    if isinstance(err, BrokenProcessPool):
                        broken.append(futures[future])
                    else:
                        yield futures[future], future.result() if err is None else _failure(err)
        finally:
            _stop(pending)
            pool.shutdown(wait=True, cancel_futures=True)
        return sorted(broken)

    def _apart(self, fn: Callable[[A], R], args: Sequence[A], which: list[int]) -> Results[R]:
        threads = ThreadPoolExecutor(max_workers=self.jobs)
        futures = {threads.submit(_alone, fn, args[i]): i for i in which}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait_futures(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=futures.__getitem__):
                    err = future.exception()
                    yield futures[future], future.result() if err is None else _failure(err)
        finally:
            _stop(pending)
            threads.shutdown(wait=True, cancel_futures=True)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RunnerError(RAY_MISSING) from None
    return ray


def _in_ray_worker(fn: Callable[[A], R], arg: A) -> R:
    """A Ray task: as in a local process, anything the solver prints goes to stderr."""
    os.dup2(2, 1)
    return fn(arg)


class RayRunner:
    """Ray tasks, each asking Ray for ``cpus`` CPUs; Ray decides how many run at once.

    ``address`` None starts a local Ray for the run (or uses the one this process already
    started); otherwise it is a running cluster's address (``HOST:6379``, ``ray://HOST:10001``, or
    ``auto`` for the cluster this machine belongs to). ``fresh_process`` gives every task a new
    worker process, so that its peak memory is its own.
    """

    def __init__(self, address: str | None = None, fresh_process: bool = False) -> None:
        _ray()  # a clear message now, before anything runs, when Ray is not installed
        self.address = address
        self.fresh_process = fresh_process

    def run(self, fn: Callable[[A], R], args: Sequence[A], cpus: int) -> Results[R]:
        if not args:
            return
        ray = _ray()
        started = False
        if not ray.is_initialized():
            try:
                ray.init(
                    address=self.address or "local",
                    include_dashboard=False if self.address is None else None,
                    logging_level="WARNING",
                )
            except (ConnectionError, RuntimeError, ValueError) as err:
                where = (
                    "start a local Ray" if self.address is None else f"reach Ray at {self.address}"
                )
                raise RunnerError(
                    f"cannot {where} ({err}). Check that the cluster is up (`ray status` on its "
                    "head) and, when it uses token authentication, that RAY_AUTH_MODE=token and "
                    "its token (~/.ray/auth_token or RAY_AUTH_TOKEN) are set here too"
                ) from None
            started = True
        try:
            yield from self._tasks(ray, fn, args, cpus)
        finally:
            if started:
                ray.shutdown()

    def _tasks(self, ray: Any, fn: Callable[[A], R], args: Sequence[A], cpus: int) -> Results[R]:
        largest = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n["Alive"]), default=0)
        if largest < cpus:
            raise RunnerError(
                f"each task asks for {cpus} CPUs (its CP-SAT workers) but the largest Ray node "
                f"has {largest:g}: lower --workers"
            )
        options: dict[str, Any] = {"num_cpus": cpus, "max_retries": 0}
        if self.fresh_process:
            options["max_calls"] = 1
        remote = ray.remote(**options)(_in_ray_worker)
        refs = {remote.remote(fn, a): i for i, a in enumerate(args)}
        pending = list(refs)
        try:
            while pending:
                # a timeout returns to Python now and then, so that Ctrl-C is seen
                done, pending = ray.wait(pending, num_returns=1, timeout=0.5)
                for ref in done:
                    yield refs[ref], self._result(ray, ref)
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    @staticmethod
    def _result(ray: Any, ref: Any) -> Any:
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as err:
            cause = err.cause if err.cause is not None else err
            return TaskFailed(f"{type(cause).__name__}: {cause}")
        except ray.exceptions.RayError as err:  # the worker or its node died
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            return TaskFailed(f"the Ray worker died ({type(err).__name__}: {first})")
