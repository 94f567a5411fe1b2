"""A run's trajectory on disk: one compressed netCDF-4 file per chunk of members, read back lazily
as one Dataset, or exported to a single file.

A chunk file holds the contract's variables in their dtypes (float32 where the contract allows,
int16 ``office_holder``, bool flags), zstd level 1 over a byte shuffle (about 4.5× on the flagship,
at several hundred MB/s), the same coordinates and attributes in every file but ``member``.

:func:`open_lazy` concatenates chunk files along ``member`` without reading any data: each variable
is a lazily indexed array whose reads go to the files that hold the members asked for, and nothing
read is cached, so memory follows what is read, not the size of the run. :func:`export` streams the
chunks into one portable netCDF-4 file (zlib), one chunk in memory at a time.

netCDF-C/HDF5 fail ("HDF error") once a file opened twice in one process has one of its handles
closed, so every read of a chunk file, by any lazy Dataset, :func:`load` or :func:`export`, goes
through the process's one handle on it (:func:`_open`: the last :data:`OPEN_FILES` used stay open),
and no reader keeps a handle of its own.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

ENCODING = {"compression": "zstd", "complevel": 1, "shuffle": True}
EXPORT_ENCODING = {"zlib": True, "complevel": 1, "shuffle": True}


def encode(ds: xr.Dataset) -> bytes:
    """A chunk's trajectory as chunk-file bytes (written through a private temporary file)."""
    fd, name = tempfile.mkstemp(suffix=".nc", prefix="realpolitik-chunk-")
    os.close(fd)
    try:
        ds.to_netcdf(name, engine="netcdf4", encoding={v: ENCODING for v in ds.data_vars})
        return Path(name).read_bytes()
    finally:
        os.unlink(name)


OPEN_FILES = 64
_OPEN: OrderedDict[str, xr.Dataset] = OrderedDict()


def _open(path: str | Path) -> xr.Dataset:
    """The process's one (lazy) handle on a chunk file; the least recently used beyond
    :data:`OPEN_FILES` are closed."""
    key = str(Path(path).resolve())
    if key in _OPEN:
        _OPEN.move_to_end(key)
        return _OPEN[key]
    _OPEN[key] = xr.open_dataset(key, engine="netcdf4", cache=False)
    while len(_OPEN) > OPEN_FILES:
        _OPEN.popitem(last=False)[1].close()
    return _OPEN[key]


def load(path: str | Path) -> xr.Dataset:
    """A chunk file's trajectory in memory (the shared handle stays lazy)."""
    return _open(path).copy(deep=False).load()


class _Members(BackendArray):
    """Variable ``name`` of several chunk files, concatenated along its leading ``member`` axis.

    A read of members ``k`` (outer indexing on every axis) reads, from each file that holds some of
    them, the span between its first and last member asked for, and keeps the ones asked for."""

    def __init__(self, files: Sequence[str | Path], name: str, sizes: Sequence[int], var):
        self.files, self.name = list(files), name
        self.offsets = np.cumsum([0, *sizes])
        self.shape = (int(self.offsets[-1]), *var.shape[1:])
        self.dtype = var.dtype

    def _part(self, i: int) -> xr.Variable:
        return _open(self.files[i])[self.name].variable

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._read
        )

    def _read(self, key: tuple) -> np.ndarray:
        first, rest = key[0], tuple(key[1:])
        members = np.arange(self.shape[0])[first]
        if np.ndim(members) == 0:
            return self._read((slice(int(members), int(members) + 1), *rest))[0]
        if members.size == 0:
            return self._part(0)[(slice(0, 0), *rest)].values
        which = np.searchsorted(self.offsets, members, side="right") - 1
        pieces = []
        start = 0
        for stop in [*np.flatnonzero(np.diff(which)) + 1, members.size]:
            part = int(which[start])
            local = members[start:stop] - self.offsets[part]
            lo, hi = int(local.min()), int(local.max()) + 1
            block = self._part(part)[(slice(lo, hi), *rest)].values
            pieces.append(block[local - lo])
            start = stop
        return np.concatenate(pieces, axis=0)


def open_lazy(files: Sequence[str | Path]) -> xr.Dataset:
    """Chunk files (in member order) as one Dataset read lazily through the shared handles."""
    if not files:
        raise ValueError("a run with no stored chunk has no trajectory")
    sizes = [_open(f).sizes["member"] for f in files]
    first = _open(files[0])
    data = {}
    for name, var in first.data_vars.items():
        lazy = indexing.LazilyIndexedArray(_Members(files, name, sizes, var))
        data[name] = xr.Variable(var.dims, lazy, var.attrs)
    coords = {k: v.variable.copy(deep=False).load() for k, v in first.coords.items()}
    coords["member"] = np.concatenate([_open(f)["member"].values for f in files])
    return xr.Dataset(data, coords=coords, attrs=first.attrs)


def export(files: Sequence[str | Path], path: str | Path) -> None:
    """Stream chunk files (in member order) into one netCDF-4 file at ``path``, atomically (written
    under a temporary name, fsynced, renamed)."""
    import netCDF4

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    first = load(files[0])
    k = first.sizes["member"]
    encoding = {}
    for v in first.data_vars:
        row = first[v][0]  # one member: its HDF5 chunks hold about 4 MB of members
        per_chunk = max(1, min(k, 2**22 // max(1, row.nbytes)))
        encoding[v] = {**EXPORT_ENCODING, "chunksizes": (per_chunk, *row.shape)}
    first.to_netcdf(tmp, engine="netcdf4", encoding=encoding, unlimited_dims=["member"])
    del first
    lo = k
    for f in files[1:]:  # read before the append handle opens: HDF5 fails on reads while it is open
        ds = load(f)
        hi = lo + ds.sizes["member"]
        with netCDF4.Dataset(tmp, "a") as nc:
            for name, var in ds.variables.items():
                if var.dims and var.dims[0] == "member":
                    nc[name][lo:hi] = np.asarray(var.values).astype(nc[name].dtype, copy=False)
        lo = hi
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
