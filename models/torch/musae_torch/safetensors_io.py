"""safetensors files as musae writes them, read and written without the safetensors package.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range (and, under "__metadata__", a map of strings), then
the tensors' bytes. musae (models.EncodeTensors) writes the header with Go's encoding/json:
keys sorted, no spaces, Go's string escapes and float format, padded with spaces to a
multiple of 8, tensors stored in name order. This module writes exactly that, so that a
file read here and written back is byte-identical, and a file written here is the one musae
would write for the same tensors and metadata.

musae's checkpoints keep their provenance as JSON in the metadata: "format" is
"musae-checkpoint/1" and "musae" holds models.Meta (model, domain, config, steps, seed, ...).
go_json reproduces Go's encoding of it (struct field order is the caller's dict order).
"""
import json
import math
import os
import struct
import tempfile
from decimal import Decimal

import torch

FORMAT = "musae-checkpoint/1"

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}
_NAMES = {v: k for k, v in _DTYPES.items()}
_SIZES = {"F32": 4, "F64": 8, "I64": 8, "I32": 4, "U8": 1}


class FormatError(ValueError):
    """A file that is not a (musae) safetensors file; the message names the file."""


def read(path):
    """Returns (tensors, metadata) of a safetensors file: a dict of CPU tensors in file
    order and the metadata dict of strings (empty when the file has none)."""
    with open(path, "rb") as f:
        b = f.read()
    return parse(b, path)


def parse(b, name="<bytes>"):
    if len(b) < 8:
        raise FormatError(f"musae_torch: read {name}: not a safetensors file: {len(b)} bytes, too short for a header")
    n = struct.unpack("<Q", b[:8])[0]
    if n > len(b) - 8:
        raise FormatError(f"musae_torch: read {name}: not a safetensors file or truncated: header of {n} bytes in a file of {len(b)}")
    try:
        header = json.loads(b[8:8 + n])
    except ValueError as e:
        raise FormatError(f"musae_torch: read {name}: not a safetensors file: header is not JSON: {e}") from None
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise FormatError(f"musae_torch: read {name}: metadata is not a map of strings")
    data = memoryview(b)[8 + n:]
    out = {}
    for key, h in header.items():
        dt = h.get("dtype")
        if dt not in _DTYPES:
            raise FormatError(f"musae_torch: read {name}: tensor {key!r}: dtype {dt} is not supported ({', '.join(_DTYPES)})")
        shape = [int(s) for s in h["shape"]]
        lo, hi = h["data_offsets"]
        cnt = math.prod(shape)
        if any(s < 0 for s in shape) or lo < 0 or hi - lo != cnt * _SIZES[dt]:
            raise FormatError(f"musae_torch: read {name}: tensor {key!r}: offsets [{lo}, {hi}] do not fit shape {shape} of {dt}")
        if hi > len(data):
            raise FormatError(f"musae_torch: read {name}: truncated: tensor {key!r} needs data up to byte {hi}, the file has {len(data)}")
        if cnt == 0:
            out[key] = torch.empty(shape, dtype=_DTYPES[dt])
        else:
            out[key] = torch.frombuffer(bytearray(data[lo:hi]), dtype=_DTYPES[dt]).reshape(shape)
    return out, meta


def encode(tensors, meta=None):
    """Returns the bytes of a safetensors file holding tensors (a dict name → tensor) and
    meta, as musae's models.EncodeTensors writes them."""
    names = sorted(tensors)
    header = {}
    if meta:
        header["__metadata__"] = {k: meta[k] for k in sorted(meta)}
    blobs, off = [], 0
    for k in names:
        t = tensors[k].detach().to("cpu").contiguous()
        if t.dtype not in _NAMES:
            raise ValueError(f"musae_torch: tensor {k!r}: dtype {t.dtype} cannot be written")
        raw = t.numpy().tobytes() if t.numel() else b""
        header[k] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = go_json({k: header[k] for k in sorted(header)}).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write(path, tensors, meta=None):
    """Writes a safetensors file atomically: a temporary file beside path, then a rename,
    so that path never holds half a file."""
    write_bytes_atomic(path, encode(tensors, meta))


def write_bytes_atomic(path, data):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


# ---- Go's encoding/json ---------------------------------------------------------------

class Raw(str):
    """JSON text written as it is (Go's json.RawMessage); compacted, as Go does."""


def go_json(v):
    """Encodes v as Go's json.Marshal would: dicts in their own order (sort them for a Go
    map), no spaces, Go's escapes (<, > and & as \\u003c..., U+2028 and U+2029) and Go's
    float format (1e-05 is 0.00001; 5.0 is 5; 1e-07 is 1e-7)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Raw):
        return go_json_compact(v)
    if isinstance(v, str):
        return go_string(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, dict):
        return "{" + ",".join(go_string(str(k)) + ":" + go_json(x) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    raise TypeError(f"musae_torch: cannot encode {type(v).__name__} as JSON")


def go_json_compact(text):
    """Compacts JSON text as Go's json.Compact does (keeps the order and the numbers'
    spelling; escapes <, >, & in strings as Marshal does with RawMessage)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            s = text[i:j + 1]
            out.append(s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                       .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
            i = j + 1
            continue
        if c not in " \t\r\n":
            out.append(c)
        i += 1
    return "".join(out)


_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def go_string(s):
    out = ['"']
    for ch in s:
        if ch in _ESC:
            out.append(_ESC[ch])
        elif ch < " " or ch in "<>&":
            out.append("\\u%04x" % ord(ch))
        elif ch in "\u2028\u2029":
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_float(f):
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"musae_torch: JSON has no {f}")
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    d = Decimal(repr(f))  # the shortest digits that read back as f, as Go's -1 precision
    sign, digits, exp = d.as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    e10 = exp + len(digits) - 1  # exponent of the first digit
    neg = "-" if sign else ""
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        m = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        es = "%+03d" % e10 if abs(e10) < 100 else "%+d" % e10
        if es.startswith("-0"):
            es = "-" + es[2:]
        return f"{neg}{m}e{es}"
    if e10 >= 0:
        whole = ds[:e10 + 1].ljust(e10 + 1, "0")
        frac = ds[e10 + 1:]
    else:
        whole, frac = "0", "0" * (-e10 - 1) + ds
    return neg + whole + ("." + frac if frac else "")
