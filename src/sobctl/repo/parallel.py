"""Work shared out between this process and forked workers so that no core waits.

Loading a national repository is two kinds of work: reading and parsing files (any process
can do it) and validating them into models (only this process, which keeps the models).
Forked workers take chunks of items from the front of the list and send their results back
through a pipe; this process hands every result on as soon as it arrives, and whenever none
has arrived it does one item from the back of the list itself rather than wait. With one
worker per core but this one's, both kinds of work end together.

The workers claim chunks themselves from a shared counter, so nothing has to feed them, and
this process reads their pipes only between its own items: no helper threads competing for
the interpreter lock (with ``multiprocessing.Pool`` they delayed both the workers' next task
and this process's sight of finished ones, leaving a worker idle a fifth of the time).

A worker that dies (killed, out of memory) costs time, never a result: whatever it claimed
and did not deliver is done here at the end. Requires ``os.fork`` (callers check).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import mmap
    from multiprocessing.synchronize import Lock

T = TypeVar("T")

_HEADER = struct.Struct(">Q")
_CLAIMS = struct.Struct(">qq")  # front, back
#: Pipe capacity asked for (Linux allows up to 1 MiB unprivileged): a worker writing a result
#: this process has not read yet blocks only once this much is waiting.
_PIPE_BYTES = 1 << 20


def share_out(count: int, work: Callable[[int], T], workers: int, chunk: int = 256) -> Iterator[tuple[int, T]]:
    """``(index, work(index))`` for every index in ``range(count)``, each exactly once, in no set
    order, computed by ``workers`` forked processes and by this one. ``work`` must not fail
    (it returns its problems) and its results must pickle."""
    import mmap
    import multiprocessing

    claims = mmap.mmap(-1, _CLAIMS.size)  # anonymous and shared with the forked workers
    claims[:] = _CLAIMS.pack(0, count)
    lock = multiprocessing.get_context("fork").Lock()
    done = bytearray(count)
    pending = count
    buffers: dict[int, bytearray] = {}  # by the read end of each worker's pipe
    poller = select.poll()
    children: list[int] = []
    try:
        for _ in range(workers):
            reader, writer = os.pipe()
            with contextlib.suppress(AttributeError, OSError):
                import fcntl

                fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
            try:
                pid = os.fork()
            except OSError:  # no more processes: this one does the rest
                os.close(reader)
                os.close(writer)
                break
            if pid == 0:  # pragma: no cover - the worker; its coverage is not collected
                _worker(work, claims, lock, reader, writer, chunk)
            os.close(writer)
            buffers[reader] = bytearray()
            poller.register(reader, select.POLLIN)
            children.append(pid)
        while pending:
            delivered = False
            for reader, _event in poller.poll(0) if buffers else ():
                for index, result in _receive(buffers, poller, reader):
                    done[index] = 1
                    pending -= 1
                    delivered = True
                    yield index, result
            if delivered:
                continue
            with lock:
                front, back = _CLAIMS.unpack(claims[:])
                mine = front < back
                if mine:
                    back -= 1
                    claims[:] = _CLAIMS.pack(front, back)
            if mine:
                done[back] = 1
                pending -= 1
                yield back, work(back)
            elif buffers:
                poller.poll()  # nothing left to claim: wait for a worker's result
            else:
                # Every worker is gone and some items never arrived: do them here.
                for index in range(count):
                    if not done[index]:
                        done[index] = 1
                        pending -= 1
                        yield index, work(index)
    finally:
        for reader in buffers:
            os.close(reader)
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        claims.close()


def _receive(buffers: dict[int, bytearray], poller: select.poll, reader: int) -> Iterator[tuple[int, Any]]:
    """The results of every complete message now readable from ``reader``; at its end (the
    worker has exited) the pipe is closed and forgotten, and an incomplete message with it."""
    data = os.read(reader, _PIPE_BYTES)
    if not data:
        poller.unregister(reader)
        del buffers[reader]
        os.close(reader)
        return
    buffer = buffers[reader]
    buffer += data
    while len(buffer) >= _HEADER.size:
        (length,) = _HEADER.unpack_from(buffer)
        if len(buffer) < _HEADER.size + length:
            break
        with memoryview(buffer) as view:
            start, results = pickle.loads(view[_HEADER.size : _HEADER.size + length])
        del buffer[: _HEADER.size + length]
        yield from enumerate(results, start)


def _worker(work: Callable[[int], T], claims: mmap.mmap, lock: Lock, reader: int, writer: int, chunk: int) -> None:
    """A forked worker's whole life: claim chunks from the front, send their results, exit."""
    status = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.close(reader)
        while True:
            with lock:
                front, back = _CLAIMS.unpack(claims[:])
                if front >= back:
                    break
                end = min(front + chunk, back)
                claims[:] = _CLAIMS.pack(end, back)
            message = pickle.dumps((front, [work(index) for index in range(front, end)]), protocol=5)
            view = memoryview(_HEADER.pack(len(message)) + message)
            while view:
                view = view[os.write(writer, view) :]
        status = 0
    except BaseException:
        status = 1
    finally:
        os._exit(status)
