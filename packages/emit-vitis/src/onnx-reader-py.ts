// A dependency-free Python reader for the initializers of an ONNX file, embedded in the
// generated model.py: the Vitis AI docker image need not have the onnx package, numpy is enough.

export const ONNX_READER_PY = `
# --- ONNX initializer reader (protobuf wire format; needs only numpy) -------------------------

_ONNX_DTYPES = {1: "<f4", 2: "u1", 3: "i1", 4: "<u2", 5: "<i2", 6: "<i4", 7: "<i8", 9: "?", 10: "<f2", 11: "<f8"}


def _varint(buf, pos):
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(buf, start, end):
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield field, wire, value
        elif wire == 1:
            yield field, wire, (pos, pos + 8)
            pos += 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            yield field, wire, (pos, pos + n)
            pos += n
        elif wire == 5:
            yield field, wire, (pos, pos + 4)
            pos += 4
        else:
            raise ValueError("unsupported protobuf wire type %d at byte %d" % (wire, pos))


def _packed_varints(buf, span):
    out = []
    pos = span[0]
    while pos < span[1]:
        v, pos = _varint(buf, pos)
        out.append(v - (1 << 64) if v >= 1 << 63 else v)
    return out


def _external(base, entries, nbytes):
    location = entries.get("location", "")
    if os.path.isabs(location) or ".." in location.replace("\\\\", "/").split("/"):
        raise ValueError("external data location %r leaves the model directory" % location)
    path = os.path.join(base, location)
    offset = int(entries.get("offset", "0"))
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(int(entries.get("length", nbytes)))
    if len(data) != nbytes:
        raise ValueError("external data %r is shorter than its tensor" % location)
    return data


def read_initializers(path):
    """Every initializer of the ONNX model at path, as numpy arrays by name."""
    with open(path, "rb") as f:
        buf = f.read()
    base = os.path.dirname(os.path.abspath(path))
    out = {}
    for field, wire, graph in _fields(buf, 0, len(buf)):
        if field != 7 or wire != 2:
            continue
        for gfield, gwire, span in _fields(buf, *graph):
            if gfield != 5 or gwire != 2:
                continue
            name, dims, dtype, raw, typed, ext = "", [], 1, None, None, {}
            for tf, tw, tv in _fields(buf, *span):
                if tf == 1:
                    dims.extend(_packed_varints(buf, tv) if tw == 2 else [tv])
                elif tf == 2:
                    dtype = tv
                elif tf == 8:
                    name = buf[tv[0]:tv[1]].decode("utf-8", "replace")  # as splitc decodes names
                elif tf == 9:
                    raw = buf[tv[0]:tv[1]]
                elif tf == 4 and tw == 2:
                    typed = np.frombuffer(buf[tv[0]:tv[1]], dtype="<f4")
                elif tf == 7 and tw == 2:
                    typed = np.array(_packed_varints(buf, tv), dtype=np.int64)
                elif tf == 13:
                    kv = {}
                    for ef, _, ev in _fields(buf, *tv):
                        kv[ef] = buf[ev[0]:ev[1]].decode("utf-8", "replace")
                    ext[kv.get(1, "")] = kv.get(2, "")
            if dtype not in _ONNX_DTYPES:
                raise ValueError("initializer %r has unsupported data type %d" % (name, dtype))
            dt = np.dtype(_ONNX_DTYPES[dtype])
            count = int(np.prod(dims)) if dims else 1
            if ext:
                raw = _external(base, ext, count * dt.itemsize)
            arr = np.frombuffer(raw, dtype=dt) if raw is not None else typed
            if arr is None:
                raise ValueError("initializer %r has no data" % name)
            out[name] = np.array(arr, dtype=dt.newbyteorder("=")).reshape(dims)
    return out
`;
