"""Keyed random numbers (DESIGN.md, "Random numbers").

Every draw is addressed, not sequential. A *key* is a string (a parameter path such as
``actors.russia.capabilities.cinc``, or a process, month and item such as ``actions/3/veto/russia``).
The key and the run's root seed are hashed (BLAKE2b) into the 128-bit key of a counter-based Philox
generator, whose stream is a sequence of 64-bit words (four per counter step); member ``m``'s ``k``
uniforms are the words ``m·k … m·k + k − 1`` of that stream. So:

* a member's draws depend only on (root seed, key, member) — identical for any chunking, worker count
  or backend;
* adding a parameter adds a key and changes no other draw;
* a counterfactual that keeps a key keeps its draws (common random numbers).
"""

from __future__ import annotations

import hashlib

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_WORDS_PER_STEP = 4  # Philox4x64 yields four 64-bit words (four doubles) per counter increment
_U = np.uint64
_M0, _M1 = _U(0xD2E7470EE14C6C93), _U(0xCA5A826395121157)  # Philox4x64 multipliers
_W0, _W1 = _U(0x9E3779B97F4A7C15), _U(0xBB67AE8584CAA73B)  # Weyl key increments
_S11 = _U(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def key_words(root_seed: int, key: str) -> np.ndarray:
    """The 2×64-bit Philox key for (root seed, key)."""
    digest = hashlib.blake2b(f"{int(root_seed)}\x1f{key}".encode(), digest_size=16).digest()
    return np.frombuffer(digest, dtype="<u8").astype(np.uint64)


@intrinsic
def _mulhi(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two uint64 (one MULX on x86-64)."""
    if a != types.uint64 or b != types.uint64:
        return None

    def codegen(context, builder, sig, args):
        wide = ir.IntType(128)
        prod = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(prod, ir.Constant(wide, 64)), ir.IntType(64))

    return types.uint64(types.uint64, types.uint64), codegen


@numba.njit(inline="always")
def _mulhilo(a, b):  # pragma: no cover - compiled
    """(high, low) 64-bit halves of the 128-bit product a·b of two uint64."""
    return _mulhi(a, b), a * b


@numba.njit(cache=True)
def _streams(keys, first, count, out):  # pragma: no cover - compiled
    """out[i, w] = the double from word ``first + w`` of key i's Philox4x64-10 stream — the words
    numpy's ``Generator(Philox(key=keys[i])).random()`` yields (counter c gives words 4(c−1) …
    4(c−1)+3; a word becomes (w >> 11)·2⁻⁵³); exact zeros become the smallest positive double."""
    tiny = np.finfo(np.float64).tiny
    for i in range(keys.shape[0]):
        w = 0
        while w < count:
            word = first + w
            step = word // 4
            c0, c1, c2, c3 = _U(step + 1), _U(0), _U(0), _U(0)
            k0, k1 = keys[i, 0], keys[i, 1]
            for r in range(10):
                if r:
                    k0, k1 = k0 + _W0, k1 + _W1
                hi0, lo0 = _mulhilo(_M0, c0)
                hi1, lo1 = _mulhilo(_M1, c2)
                c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
            for j, v in enumerate((c0, c1, c2, c3)):
                if j >= word % 4 and w < count:
                    u = (v >> _S11) * _TO_UNIT
                    out[i, w] = u if u > 0.0 else tiny
                    w += 1


def uniforms_many(root_seed: int, keys: list[str], start: int, stop: int, k: int = 1) -> np.ndarray:
    """Uniforms on (0, 1) for each key and members ``start … stop-1``: shape ``(len(keys), stop −
    start, k)``; member m's ``k`` uniforms are words m·k … m·k + k − 1 of the key's stream."""
    if stop < start or start < 0 or k < 0:
        raise ValueError(f"bad member range [{start}, {stop}) or size {k}")
    words = np.array([key_words(root_seed, key) for key in keys], np.uint64).reshape(-1, 2)
    out = np.empty((len(keys), (stop - start) * k))
    _streams(words, start * k, (stop - start) * k, out)
    return out.reshape(len(keys), stop - start, k)


def uniforms(root_seed: int, key: str, start: int, stop: int, k: int = 1) -> np.ndarray:
    """Uniforms on (0, 1) for members ``start … stop-1``: an array of shape ``(stop - start, k)``."""
    return uniforms_many(root_seed, [key], start, stop, k)[0]


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
        return self.uniform_many([key], shape)[0]

    def uniform_many(self, keys: list[str], shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Uniforms of shape ``(len(keys), n_members, *shape)``, one keyed stream per key (each
        exactly what :meth:`uniform` gives for it): many items' draws in one call."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        k = int(np.prod(shape)) if shape else 1
        keys = [self.prefix + key for key in keys]
        u = uniforms_many(self.root_seed, keys, self.start, self.stop, k)
        return u.reshape((len(keys), self.n, *shape))
