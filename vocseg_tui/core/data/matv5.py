"""Read one field of a MATLAB v5 struct (SBD's `GTcls.Segmentation`) without parsing the rest.

scipy's `loadmat` builds every field, including the 20 sparse `Boundaries` maps, in Python; that
is most of the time a conversion spends per file. MAT v5 lets a reader skip an element by its
byte count, so this reader inflates the variable (zlib, in C), walks to the one field it needs
and reads that matrix. Anything it does not recognise (v7.3/HDF5, sparse, complex, cells,
big-endian oddities) returns None and the caller falls back to scipy, so the result is always
what `loadmat(...)['GTcls'][0]['Segmentation'][0]` gives.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

MI_MATRIX, MI_COMPRESSED = 14, 15
MI_DTYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
CLASS_DTYPES = {4: "U1", 6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4", 13: "u4",
                14: "i8", 15: "u8"}
STRUCT_CLASS = 2


def _tag(buf: bytes, pos: int, order: str) -> tuple[int, int, int, int]:
    """(type, nbytes, data start, next element) of the element at `pos` (small format too)."""
    first, second = struct.unpack_from(order + "II", buf, pos)
    if first >> 16:  # small data element: type and size packed in 4 bytes, data in the next 4
        return first & 0xFFFF, first >> 16, pos + 4, pos + 8
    end = pos + 8 + second
    return first, second, pos + 8, end + (-end % 8)


def _matrix_field(buf: bytes, pos: int, order: str, field: str) -> np.ndarray | None:
    """Parse the miMATRIX at `pos` (a 1x1 struct) and return `field` as an array, or None."""
    kind, _, start, _ = _tag(buf, pos, order)
    if kind != MI_MATRIX:
        return None
    _, _, flags_at, cursor = _tag(buf, start, order)
    if buf[flags_at + (0 if order == "<" else 3)] != STRUCT_CLASS:
        return None
    _, ndims, dims_at, cursor = _tag(buf, cursor, order)
    if struct.unpack_from(order + f"{ndims // 4}i", buf, dims_at) != (1, 1):
        return None
    _, _, _, cursor = _tag(buf, cursor, order)  # array name (empty inside a variable)
    _, _, len_at, cursor = _tag(buf, cursor, order)
    name_len = struct.unpack_from(order + "i", buf, len_at)[0]
    _, names_size, names_at, cursor = _tag(buf, cursor, order)
    raw = buf[names_at:names_at + names_size]
    names = [raw[i:i + name_len].split(b"\0", 1)[0].decode() for i in range(0, names_size, name_len)]
    for name in names:
        _, _, _, after = _tag(buf, cursor, order)
        if name == field:
            return _numeric(buf, cursor, order)
        cursor = after
    return None


def _numeric(buf: bytes, pos: int, order: str) -> np.ndarray | None:
    _, _, start, _ = _tag(buf, pos, order)
    _, _, flags_at, cursor = _tag(buf, start, order)
    flags = struct.unpack_from(order + "I", buf, flags_at)[0]
    mx_class, complex_ = flags & 0xFF, flags & 0x0800
    if complex_ or mx_class not in CLASS_DTYPES or mx_class == 4:
        return None
    _, ndims, dims_at, cursor = _tag(buf, cursor, order)
    dims = struct.unpack_from(order + f"{ndims // 4}i", buf, dims_at)
    _, _, _, cursor = _tag(buf, cursor, order)  # name
    kind, size, data_at, _ = _tag(buf, cursor, order)
    if kind not in MI_DTYPES or len(dims) != 2:
        return None
    dtype = np.dtype(order + MI_DTYPES[kind])
    stored = np.frombuffer(buf, dtype=dtype, count=size // dtype.itemsize, offset=data_at)
    if stored.size != dims[0] * dims[1]:
        return None
    return stored.astype(CLASS_DTYPES[mx_class]).reshape(dims, order="F")


def read_struct_field(data: bytes, variable: str, field: str) -> np.ndarray | None:
    """`variable.field` of a MAT v5 file's bytes, or None when this reader cannot tell."""
    if len(data) < 136 or data[126:128] not in (b"IM", b"MI"):
        return None
    order = "<" if data[126:128] == b"IM" else ">"
    pos = 128
    while pos + 8 <= len(data):
        kind, size, start, after = _tag(data, pos, order)
        element, at = (zlib.decompress(data[start:start + size]), 0) if kind == MI_COMPRESSED else (data, pos)
        if _name(element, at, order) == variable:
            return _matrix_field(element, at, order, field)
        pos = after if kind != MI_COMPRESSED else start + size
    return None


def _name(buf: bytes, pos: int, order: str) -> str | None:
    kind, _, start, _ = _tag(buf, pos, order)
    if kind != MI_MATRIX:
        return None
    _, _, _, cursor = _tag(buf, start, order)  # flags
    _, _, _, cursor = _tag(buf, cursor, order)  # dims
    _, size, name_at, _ = _tag(buf, cursor, order)
    return buf[name_at:name_at + size].decode("latin-1")
