"""Keyed random numbers (DESIGN.md, "Random numbers").

Every draw is addressed, not sequential. A *key* is a string (a parameter path such as
``actors.russia.capabilities.cinc``, or a process and month such as ``combat/2016-03``). The key and the
run's root seed are hashed (BLAKE2b) into the 128-bit key of a counter-based Philox generator; member
``m`` owns the block of ``block(k) = 4·ceil(k/4)`` doubles that starts at counter ``m·block(k)/4``. So:

* a member's draws depend only on (root seed, key, member) — identical for any chunking, worker count
  or backend;
* adding a parameter adds a key and changes no other draw;
* a counterfactual that keeps a key keeps its draws (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np

_WORDS_PER_STEP = 4  # Philox4x64 yields four 64-bit words (four doubles) per counter increment


def key_words(root_seed: int, key: str) -> np.ndarray:
    """The 2×64-bit Philox key for (root seed, key)."""
    digest = hashlib.blake2b(f"{int(root_seed)}\x1f{key}".encode(), digest_size=16).digest()
    return np.frombuffer(digest, dtype="<u8").astype(np.uint64)


def _block(k: int) -> int:
    return _WORDS_PER_STEP * -(-k // _WORDS_PER_STEP)


def uniforms(root_seed: int, key: str, start: int, stop: int, k: int = 1) -> np.ndarray:
    """Uniforms on (0, 1) for members ``start … stop-1``: an array of shape ``(stop - start, k)``."""
    if stop < start or start < 0 or k < 0:
        raise ValueError(f"bad member range [{start}, {stop}) or size {k}")
    block = _block(max(k, 1))
    bitgen = np.random.Philox(key=key_words(root_seed, key))
    bitgen.advance(start * block // _WORDS_PER_STEP)
    raw = np.random.Generator(bitgen).random((stop - start) * block)
    out = raw.reshape(stop - start, block)[:, :k]
    # Generator.random is on [0, 1); move exact zeros inside so inverse CDFs stay finite.
    return np.where(out == 0.0, np.finfo(float).tiny, out)


class MemberRNG:
    """The random numbers one chunk of members may use: ``rng.uniform(key, k)``.

    ``start``/``stop`` are global member indices, so a chunk draws exactly what the whole ensemble
    would draw for those members.
    """

    def __init__(self, root_seed: int, start: int, stop: int, prefix: str = ""):
        self.root_seed = int(root_seed)
        self.start = int(start)
        self.stop = int(stop)
        self.prefix = prefix

    @property
    def n(self) -> int:
        return self.stop - self.start

    def child(self, prefix: str) -> MemberRNG:
        """A view whose keys are prefixed (e.g. a process and month: ``combat/2016-03/``)."""
        return MemberRNG(self.root_seed, self.start, self.stop, self.prefix + prefix)

    def uniform(self, key: str, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Uniforms of shape ``(n_members, *shape)`` keyed by ``prefix + key``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        k = int(np.prod(shape)) if shape else 1
        u = uniforms(self.root_seed, self.prefix + key, self.start, self.stop, k)
        return u.reshape((self.n, *shape))
