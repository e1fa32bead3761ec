"""Reading a spreadsheet (or computing a plan) in a separate process, with bounded memory and time: a hostile file costs that
process, never the bot.

The reading itself is ``bot.domain.importing.reading.read_table``; its limits stop hostile files within a
few seconds, and this process is the backstop for what they do not foresee: its address space is limited
(``RLIMIT_AS``), it is killed after :data:`READER_SECONDS`, and its death is a refusal, not a crash. On
Linux a fork server that has this module loaded starts each reading in milliseconds.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Final, TypeVar, cast

from bot.domain.importing.reading import ImportRefusal, RefusalReason, Table, read_table

READER_MEMORY: Final = 1024 * 1024 * 1024
"""Address space of the process that reads a file."""
READER_SECONDS: Final = 60.0
"""A reading still running after this is stopped."""

T = TypeVar("T")

if sys.platform == "linux":
    _CONTEXT = multiprocessing.get_context("forkserver")
    _CONTEXT.set_forkserver_preload([__name__, "bot.domain.matching.plan"])  # what the work imports
else:
    _CONTEXT = multiprocessing.get_context("spawn")  # type: ignore[assignment]


def _in_child(
    connection: Connection, memory: int, work: Callable[..., object], args: tuple[object, ...]
) -> None:
    """The bounded process: limit its memory, do the work, send the result back (MemoryError: None)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        result = work(*args)
    except MemoryError:
        result = None
    connection.send(result)
    connection.close()


class Overrun(Exception):
    """Bounded work that ran out of memory (``memory``) or of time (``seconds``), or whose process died."""

    def __init__(self, memory: int | None = None, seconds: float | None = None) -> None:
        super().__init__(f"memory {memory}, seconds {seconds}")
        self.memory, self.seconds = memory, seconds


def bounded(work: Callable[..., T], args: tuple[object, ...], memory: int, seconds: float) -> T:
    """``work(*args)`` in a separate process with at most ``memory`` bytes of address space and ``seconds`` of
    time, else Overrun. ``work`` is a module-level function; its arguments and result are pickled."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_in_child, args=(sender, memory, work, args), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise Overrun(seconds=seconds)
        result = receiver.recv()
    except (EOFError, OSError):  # the process died: out of memory in C code, killed
        raise Overrun(memory=memory) from None
    finally:
        receiver.close()
        process.kill()
        process.join()
    if result is None:
        raise Overrun(memory=memory)
    return cast(T, result)


def _read_isolated(data: bytes, filename: str, memory: int, seconds: float) -> Table | ImportRefusal:
    try:
        return bounded(read_table, (data, filename), memory, seconds)
    except Overrun as overrun:
        limit = {"seconds": seconds} if overrun.seconds else {"memory": memory}
        return ImportRefusal(RefusalReason.TOO_BIG, limit)


async def read_file(
    data: bytes, filename: str, *, memory: int = READER_MEMORY, seconds: float = READER_SECONDS
) -> Table | ImportRefusal:
    """The file read in a separate process with at most ``memory`` bytes of address space and ``seconds``
    of time (TOO_BIG beyond either). Never raises on the file."""
    return await asyncio.to_thread(_read_isolated, data, filename, memory, seconds)
