"""Reading a spreadsheet in a separate process, with bounded memory and time: a hostile file costs that
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
from multiprocessing.connection import Connection
from typing import Final

from bot.domain.importing.reading import ImportRefusal, RefusalReason, Table, read_table

READER_MEMORY: Final = 1024 * 1024 * 1024
"""Address space of the process that reads a file."""
READER_SECONDS: Final = 60.0
"""A reading still running after this is stopped."""

if sys.platform == "linux":
    _CONTEXT = multiprocessing.get_context("forkserver")
    _CONTEXT.set_forkserver_preload([__name__])
else:
    _CONTEXT = multiprocessing.get_context("spawn")  # type: ignore[assignment]


def _read_in_child(connection: Connection, data: bytes, filename: str, memory: int) -> None:
    """The reading process: limit its memory, read, send the result back."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        result: Table | ImportRefusal = read_table(data, filename)
    except MemoryError:
        result = ImportRefusal(RefusalReason.TOO_BIG, {"memory": memory})
    connection.send(result)
    connection.close()


def _read_isolated(data: bytes, filename: str, memory: int, seconds: float) -> Table | ImportRefusal:
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_read_in_child, args=(sender, data, filename, memory), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            result: Table | ImportRefusal = receiver.recv()
            return result
        return ImportRefusal(RefusalReason.TOO_BIG, {"seconds": seconds})
    except (EOFError, OSError):  # the process died: out of memory in C code, killed
        return ImportRefusal(RefusalReason.TOO_BIG, {"memory": memory})
    finally:
        receiver.close()
        process.kill()
        process.join()


async def read_file(
    data: bytes, filename: str, *, memory: int = READER_MEMORY, seconds: float = READER_SECONDS
) -> Table | ImportRefusal:
    """The file read in a separate process with at most ``memory`` bytes of address space and ``seconds``
    of time (TOO_BIG beyond either). Never raises on the file."""
    return await asyncio.to_thread(_read_isolated, data, filename, memory, seconds)
