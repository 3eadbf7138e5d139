"""Forked worker processes for a large local scan, with Ctrl-C that always ends promptly.

`run_forked(work, count, workers)` calls `work(i)` for every i in range(count) in `workers`
forked processes and returns the answers in index order (the order a single process would give,
so ties keep their input order). Each worker takes the next index from a shared counter (a slow
piece does not leave the others idle) and sends each answer through its own pipe as soon as it
has it.

Why not multiprocessing.Pool: on Ctrl-C every pool worker got a KeyboardInterrupt of its own and
printed `Process ForkPoolWorker-N:` with a traceback, and now and then the pool's terminate()
deadlocked on a queue lock a dying worker held. Here the workers ignore SIGINT (it is blocked
while they are forked, so none can catch one before it is ignored), the parent alone gets the
KeyboardInterrupt, and it kills and reaps every worker without touching a shared lock first.
SIGTERM is held the same way: a worker dies of it silently, the parent reports it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any

from trailq.errors import QueryFailedError

__all__ = ["run_forked", "WorkerCrashed"]

_DONE = "done"
# Held while the workers are forked: a worker must not meet these before it has its own handling
# (Ctrl-C ignored, SIGTERM ends it silently); the parent gets them once the forks are done.
_HELD = {signal.SIGINT, signal.SIGTERM}


class WorkerCrashed(RuntimeError):
    """A worker died or raised something that could not be sent back (a bug: exit 70)."""


def run_forked(work: Callable[[int], Any], count: int, workers: int) -> list[Any]:
    """`[work(0), ..., work(count - 1)]`, computed in up to `workers` forked processes.

    An exception raised by `work` (e.g. a QueryFailedError under --strict) is raised here."""
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    processes: list[Any] = []
    pipes: list[Any] = []
    answers: dict[int, Any] = {}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        try:
            for _ in range(max(1, min(workers, count))):
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_worker, args=(work, count, counter, send), daemon=True)
                process.start()
                send.close()
                processes.append(process)
                pipes.append(receive)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C during the forks is raised here
        waiting = list(pipes)
        while waiting:
            for pipe in multiprocessing.connection.wait(waiting):
                assert isinstance(pipe, multiprocessing.connection.Connection)  # waiting holds only Pipe ends
                try:
                    message = pipe.recv()
                except EOFError:
                    raise _died(processes[pipes.index(pipe)]) from None
                if message[0] == _DONE:
                    waiting.remove(pipe)
                elif message[0] == "error":
                    error = message[1]
                    assert isinstance(error, BaseException)
                    raise error
                else:
                    answers[message[0]] = message[1]
        return [answers[i] for i in range(count)]
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join()
        for pipe in pipes:
            pipe.close()


def _died(process: Any) -> QueryFailedError:
    """A worker that ended without its answers was killed from outside (the OOM killer, a signal)."""
    process.join(timeout=1)
    code = process.exitcode
    if code is not None and -code in (signal.SIGTERM, signal.SIGHUP):
        # A signal sent to the whole process group (a CI job stopped) may reach this process a moment
        # after the worker: give its own handler the chance to say so before calling it a crash.
        time.sleep(0.5)
        return QueryFailedError(f"terminated ({signal.Signals(-code).name}): a scan worker was stopped; the local run is incomplete")
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return QueryFailedError(f"a scan worker process died ({how}); the local run is incomplete",
                            hint="run again; with little memory, give fewer files at once")


def _worker(work: Callable[[int], Any], count: int, counter: Any, send: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's SIGTERM handler is not the worker's
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    parent = os.getppid()
    try:
        while True:
            if os.getppid() != parent:
                os._exit(1)  # the parent is gone (killed): stop scanning for nobody
            with counter.get_lock():
                index = counter.value
                counter.value = index + 1
            if index >= count:
                break
            send.send((index, work(index)))
        send.send((_DONE, None))
    except (BrokenPipeError, ConnectionError):
        os._exit(1)  # the parent is gone: nothing to tell, and nothing to print
    except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it; nothing printed here
        try:
            send.send(("error", _sendable(exc)))
        except OSError:
            os._exit(1)
    finally:
        send.close()


def _sendable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - an exception that does not pickle becomes a plain one with its traceback
        return WorkerCrashed("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
