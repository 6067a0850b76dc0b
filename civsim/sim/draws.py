"""Random streams by name, and values drawn ahead for the compiled loops.

Every replication has its own :class:`numpy.random.SeedSequence`; each
mechanism draws from streams it names. A stream's seed depends only on the
replication and the stream's name, so switching a mechanism on or adding a new
one never shifts another mechanism's draws: scenarios compared with the same
seed use common random numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from civsim.errors import CivsimError

__all__ = ["NAMED_BEFORE", "DayStarts", "Draws", "replication_seed", "stream_seed"]

#: Streams that existed when streams were spawned by position: each keeps its old
#: spawn position, so their draws (and every result) stay as they were.
NAMED_BEFORE = (
    "self_checks",
    "covert_visits",
    "citizen_reports",
    "platform",
    "coordination",
    "volunteers",
    "evaluation",
    "negative_list",
    "survey",
    "peers",
    "assignment",
    "platform_thinning",
)
#: Spawn keys of other streams are a hash of the name at or above this (far above the old ones).
HASHED_KEYS_FROM = 1 << 20


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication``: ``SeedSequence(seed).spawn(...)[i]``.

    Examples
    --------
    >>> a = replication_seed(7, 3)
    >>> b = np.random.SeedSequence(7).spawn(4)[3]
    >>> bool((a.generate_state(4) == b.generate_state(4)).all())
    True
    >>> replication_seed(-1, 0)
    Traceback (most recent call last):
    ...
    civsim.errors.CivsimError: seed -1, replication 0: each must be a whole number >= 0
    """
    if seed < 0 or replication < 0:  # numpy's own error names neither
        given = f"seed {seed}, replication {replication}"
        raise CivsimError(f"{given}: each must be a whole number >= 0")
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def _key(name: str) -> int:
    if name in NAMED_BEFORE:
        return NAMED_BEFORE.index(name)
    digest = hashlib.sha256(name.encode()).digest()
    return HASHED_KEYS_FROM + int.from_bytes(digest[:4], "little")


def stream_seed(replication: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The seed of stream ``name`` in a replication: fixed by the name alone.

    Examples
    --------
    >>> rep = replication_seed(1, 0)
    >>> old = rep.spawn(12)[9]  # "peers" was the tenth stream spawned
    >>> bool((stream_seed(rep, "peers").generate_state(2) == old.generate_state(2)).all())
    True
    >>> stream_seed(rep, "moral_points").spawn_key[-1] >= HASHED_KEYS_FROM
    True
    """
    return np.random.SeedSequence(
        replication.entropy,
        spawn_key=(*replication.spawn_key, _key(name)),
        pool_size=replication.pool_size,
    )


class Draws:
    """Values of one distribution drawn ahead from one stream, taken in order by compiled loops.

    A block drawn at once holds the same values as draws made one by one, so
    what a replication sees does not depend on the block size. Compiled loops
    take the arrays, not the generator: passing a Generator costs microseconds
    a call.

    Examples
    --------
    >>> d = Draws(np.random.default_rng(1), "uniform", block=4)
    >>> first, rest = d.take(3), d.take(3)
    >>> bool(np.array_equal(np.r_[first, rest], np.random.default_rng(1).random(6)))
    True
    """

    def __init__(self, rng: np.random.Generator, kind: str, block: int = 1 << 14):
        draws: dict[str, Callable[[int], np.ndarray]] = {
            "uniform": rng.random,
            "exponential": rng.standard_exponential,
            # 32 random bits each: two from every 64-bit output of the generator
            "bits": lambda n: rng.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n],
        }
        self.draw = draws[kind]
        self.block = block
        self.values = self.draw(0)
        self.pos = 0

    def ensure(self, n: int) -> None:
        """Have at least ``n`` values from ``pos`` on."""
        if len(self.values) - self.pos < n:
            fresh = self.draw(max(self.block, n))
            self.values = np.concatenate([self.values[self.pos :], fresh])
            self.pos = 0

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` values."""
        self.ensure(n)
        self.pos += n
        return self.values[self.pos - n : self.pos]


class DayStarts:
    """A stream that starts afresh each day, at a point fixed by the day alone.

    Day ``d``'s draws begin ``d * 2**64`` steps into the stream's PCG64 sequence
    (whose period is ``2**128``), whatever was drawn on the days before: a
    variant of a city that drew more yesterday draws the same today.

    Examples
    --------
    >>> s = DayStarts(np.random.SeedSequence(1))
    >>> a = s.on(5).random(3)
    >>> _ = s.on(4).random(100)
    >>> bool((s.on(5).random(3) == a).all())
    True
    """

    STRIDE = 1 << 64

    def __init__(self, seed: np.random.SeedSequence):
        self._bits = np.random.PCG64(seed)
        self._origin = self._bits.state
        self._generator = np.random.Generator(self._bits)

    def on(self, day: int) -> np.random.Generator:
        """The generator at the start of ``day``."""
        self._bits.state = self._origin
        self._bits.advance(day * self.STRIDE)
        return self._generator
