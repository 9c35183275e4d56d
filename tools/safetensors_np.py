#!/usr/bin/env python3
"""Minimal safetensors reader and writer needing only numpy.

Debian packages no `safetensors` for Python, so canary's fixture generators use this instead.
Files it writes are laid out like the reference writer's (safetensors.torch.save_file): header
padded with spaces to a multiple of 8 bytes, tensors ordered widest dtype first, then by name.
Convert torch tensors with `t.detach().cpu().numpy()` before saving.

    from safetensors_np import save_file, load_file
    save_file({"w": np.ones((2, 3), np.float32)}, "out.safetensors", metadata={"format": "pt"})
    tensors = load_file("out.safetensors")          # dict name -> numpy array
    tensors, metadata = load_file("out.safetensors", with_metadata=True)

BF16 tensors are loaded as float32 (numpy has no bfloat16) and cannot be saved.
"""
import json
import os
import struct
import tempfile

import numpy as np

_TO_NUMPY = {
    "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
    "I8": np.dtype("i1"), "I16": np.dtype("<i2"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
_BY_KIND_AND_SIZE = {("f", 2): "F16", ("f", 4): "F32", ("f", 8): "F64", ("i", 1): "I8", ("i", 2): "I16",
                     ("i", 4): "I32", ("i", 8): "I64", ("u", 1): "U8", ("b", 1): "BOOL"}
# The reference writer's dtype order (its Rust enum order); tensors are written highest first.
_LAYOUT_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "F16": 7, "BF16": 8, "I32": 9, "F32": 11,
                "F64": 12, "I64": 13}
_MAX_HEADER = 100_000_000


def _dtype_name(array, name):
    try:
        return _BY_KIND_AND_SIZE[(array.dtype.kind, array.dtype.itemsize)]
    except KeyError:
        raise ValueError(f"tensor '{name}': numpy dtype {array.dtype} has no safetensors equivalent") from None


def save_file(tensors, path, metadata=None):
    """Writes `tensors` (dict str -> numpy array) to `path`, atomically (temporary file + rename)."""
    if "__metadata__" in tensors:
        raise ValueError("'__metadata__' is reserved and cannot name a tensor")
    entries = []
    for name, array in tensors.items():
        array = np.asarray(array)
        dtype_name = _dtype_name(array, name)
        data = np.ascontiguousarray(array, dtype=_TO_NUMPY[dtype_name]).tobytes(order="C")
        entries.append((name, dtype_name, list(array.shape), data))
    entries.sort(key=lambda e: (-_LAYOUT_RANK[e[1]], e[0]))

    header = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(f"metadata must map str to str, got {key!r}: {value!r}")
        header["__metadata__"] = dict(sorted(metadata.items()))
    offset = 0
    for name, dtype_name, shape, data in entries:
        header[name] = {"dtype": dtype_name, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)

    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(struct.pack("<Q", len(text)))
            out.write(text)
            for _, _, _, data in entries:
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load_file(path, with_metadata=False):
    """Reads `path`; returns dict name -> numpy array (and the metadata dict if with_metadata)."""
    with open(path, "rb") as f:
        content = f.read()
    if len(content) < 8:
        raise ValueError(f"{path}: file is {len(content)} bytes, too short for the header length")
    (n,) = struct.unpack("<Q", content[:8])
    if n > _MAX_HEADER or n > len(content) - 8:
        raise ValueError(f"{path}: header length {n} is invalid for a {len(content)}-byte file")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{path}: duplicate key in header: {keys}")
        return dict(pairs)

    header = json.loads(content[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    buffer = content[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors, spans = {}, []
    for name, info in header.items():
        dtype_name = info["dtype"]
        if dtype_name not in _TO_NUMPY and dtype_name != "BF16":
            raise ValueError(f"{path}: tensor '{name}': unknown dtype '{dtype_name}'")
        shape = tuple(int(d) for d in info["shape"])
        begin, end = (int(x) for x in info["data_offsets"])
        size = 2 if dtype_name == "BF16" else _TO_NUMPY[dtype_name].itemsize
        if not 0 <= begin <= end <= len(buffer) or end - begin != int(np.prod(shape, dtype=np.int64)) * size:
            raise ValueError(f"{path}: tensor '{name}': bad data_offsets {info['data_offsets']}")
        raw = buffer[begin:end]
        if dtype_name == "BF16":
            array = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, _TO_NUMPY[dtype_name]).copy()
        tensors[name] = array.reshape(shape)
        spans.append((begin, end, name))
    covered = 0
    for begin, end, name in sorted(spans):
        if begin != covered:
            raise ValueError(f"{path}: tensor '{name}': data overlaps or leaves a gap at {begin}")
        covered = end
    if covered != len(buffer):
        raise ValueError(f"{path}: {len(buffer) - covered} trailing bytes after the last tensor")
    return (tensors, metadata) if with_metadata else tensors
