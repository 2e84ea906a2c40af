#!/usr/bin/python3
"""Generate the safetensors test fixture used by SafetensorsFixtureTest.

The `safetensors` pip package is not available offline, so this script writes the file with
struct/json following the reference serializer's rules (huggingface/safetensors, tensor.rs):
  * tensors sorted by dtype in descending reference enum order, then by name;
  * compact JSON header, "__metadata__" first, entries {"dtype","shape","data_offsets"};
  * header padded with spaces to a multiple of 8 bytes; little-endian row-major data.

Numbers come from independent references: numpy for F16 rounding and widening, PyTorch (when
installed) for BF16, cross-checked against a bit-level round-to-nearest-even. Expected values are
written as bit patterns into fixture.expected.json so the Java test compares exactly.

Run with Debian's python:  /usr/bin/python3 treelora-core/src/test/python/make_safetensors_fixture.py
Outputs (committed), in treelora-core/src/test/resources/io/github/treelora/io/:
  fixture.safetensors, fixture.expected.json  small mixed-dtype file and its expected values
  halfconv.safetensors  all 65536 F16 values widened by numpy, and 6000+ float32 samples rounded
                        to F16 by numpy and to BF16 by torch (random, log-uniform and exact ties)
"""
import json
import os
import struct

import numpy as np

try:
    import torch
except ImportError:  # BF16 then relies on the bit-level rounding alone
    torch = None

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "resources", "io", "github", "treelora", "io")

# Reference Dtype enum order (ascending); the serializer sorts descending.
DTYPE_ORDER = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
               "I64", "U64"]
NUMPY = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16,
         "F16": np.float16, "I32": np.int32, "U32": np.uint32, "F32": np.float32,
         "F64": np.float64, "I64": np.int64, "U64": np.uint64}


def bf16_bits_rne(x32):
    """float32 array -> uint16 bfloat16 bits, round to nearest even (NaN not used here)."""
    bits = x32.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def write_safetensors(path, tensors, metadata):
    """Write {name: (dtype, shape, numpy array)} like the reference serializer; return the header."""
    order = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(tensors[n][0]), n.encode()))
    header = {"__metadata__": metadata} if metadata else {}
    chunks = []
    offset = 0
    for name in order:
        dtype, shape, arr = tensors[name]
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        count = int(np.prod(shape)) if shape else 1
        assert len(raw) == count * np.dtype(NUMPY.get(dtype, np.uint16)).itemsize, name
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for c in chunks:
            f.write(c)
    return header, order


def conversion_tables():
    """Exhaustive F16 widening and sampled F16/BF16 rounding, as computed by numpy and torch."""
    all_f16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    rng = np.random.default_rng(20250601)
    bits = rng.integers(0, 2 ** 32, size=2048, dtype=np.uint64).astype(np.uint32)
    uniform_bits = bits.view(np.float32)
    uniform_bits = uniform_bits[~np.isnan(uniform_bits)]
    magnitudes = np.exp2(rng.uniform(-26.0, 17.0, size=2048))
    log_uniform = (magnitudes * rng.choice([-1.0, 1.0], size=2048)).astype(np.float32)
    # Exact midpoints between neighbouring finite F16 values (12 significant bits: exact in float32).
    h = rng.integers(0, 0x7BFF, size=1024).astype(np.uint16)
    lo = h.view(np.float16).astype(np.float64)
    hi = (h + 1).astype(np.uint16).view(np.float16).astype(np.float64)
    f16_ties = ((lo + hi) / 2 * rng.choice([-1.0, 1.0], size=1024)).astype(np.float32)
    # Exact midpoints between neighbouring finite BF16 values.
    b = rng.integers(0, 0x7F7F, size=1024).astype(np.uint32)
    lo = (b << 16).view(np.float32).astype(np.float64)
    hi = ((b + 1) << 16).view(np.float32).astype(np.float64)
    bf16_ties = ((lo + hi) / 2).astype(np.float32)
    samples = np.concatenate([uniform_bits, log_uniform, f16_ties, bf16_ties,
                              np.array([0.0, -0.0, np.inf, -np.inf, 65504.0, 65519.996,
                                        65520.0, 3.3961514e38, 3.4028235e38], dtype=np.float32)])
    with np.errstate(over="ignore"):
        samples_f16 = samples.astype(np.float16)
    bf16 = bf16_bits_rne(samples)
    if torch is not None:
        torch_bits = torch.from_numpy(samples.copy()).to(torch.bfloat16).view(torch.int16).numpy()
        assert np.array_equal(torch_bits.view(np.uint16), bf16)
    tensors = {
        "f16_all": ("F16", [65536], all_f16),
        "f16_all_as_f32": ("F32", [65536], all_f16.astype(np.float32)),
        "samples_f32": ("F32", [len(samples)], samples),
        "samples_f16": ("F16", [len(samples)], samples_f16),
        "samples_bf16": ("BF16", [len(samples)], bf16),
    }
    ref = "numpy " + np.__version__ + (", torch " + torch.__version__ if torch is not None else "")
    write_safetensors(os.path.join(OUT_DIR, "halfconv.safetensors"), tensors,
                      {"generator": "make_safetensors_fixture.py", "reference": ref})


def main():
    f16_in = np.array([1.0, -2.5, 0.1, 65519.0, 65520.0, 1e-7, 6.1e-5, 3.14159, -0.0, 2.9802322e-08],
                      dtype=np.float32)
    bf16_in = np.array([1.0, -2.5, 0.1, 3.14159, 1e-40, 3.4e38, 1.00390625, 1.01171875],
                       dtype=np.float32)

    with np.errstate(over="ignore"):  # 65520 overflows to inf on purpose
        f16_stored = f16_in.astype(np.float16)
    bf16_bits = bf16_rne = bf16_bits_rne(bf16_in)
    if torch is not None:
        torch_bits = torch.from_numpy(bf16_in.copy()).to(torch.bfloat16).view(torch.int16).numpy()
        torch_bits = torch_bits.view(np.uint16)
        assert np.array_equal(torch_bits, bf16_rne), (torch_bits, bf16_rne)
        bf16_bits = torch_bits

    tensors = {
        "f32": ("F32", [2, 3], np.array([0.0, -1.5, 3.1415927, 1e-40, 65504.0, -7.25],
                                        dtype=np.float32)),
        "f16": ("F16", [10], f16_stored),
        "bf16": ("BF16", [2, 4], bf16_bits),
        "i64": ("I64", [3], np.array([-5, 2 ** 62 + 1, 2 ** 53 + 1], dtype=np.int64)),
        "f64": ("F64", [], np.array(0.1, dtype=np.float64)),
        "i32": ("I32", [2, 2], np.array([-2 ** 31, 2 ** 31 - 1, 0, 7], dtype=np.int32)),
        "u8": ("U8", [3], np.array([0, 200, 255], dtype=np.uint8)),
        "bool": ("BOOL", [2], np.array([True, False], dtype=np.bool_)),
        "empty": ("F32", [0, 4], np.zeros((0,), dtype=np.float32)),
    }
    metadata = {"format": "pt"}

    header, order = write_safetensors(os.path.join(OUT_DIR, "fixture.safetensors"), tensors,
                                      metadata)

    def u32(a):
        return [int(v) for v in np.asarray(a, dtype=np.float32).reshape(-1).view(np.uint32)]

    expected = {
        "order": order,
        "metadata": metadata,
        "tensors": {
            "f32": {"float32_bits": u32(tensors["f32"][2])},
            "f16": {"input_float32_bits": u32(f16_in),
                    "stored_bits": [int(v) for v in f16_stored.view(np.uint16)],
                    "float32_bits": u32(f16_stored.astype(np.float32))},
            "bf16": {"input_float32_bits": u32(bf16_in),
                     "stored_bits": [int(v) for v in bf16_bits],
                     "float32_bits": [int(v) << 16 for v in bf16_bits]},
            "i64": {"values": [int(v) for v in tensors["i64"][2]]},
            "f64": {"float64_bits": [int(np.array(0.1, dtype=np.float64).view(np.uint64))]},
            "i32": {"values": [int(v) for v in tensors["i32"][2]]},
            "u8": {"values": [int(v) for v in tensors["u8"][2]]},
            "bool": {"values": [int(v) for v in tensors["bool"][2]]},
            "empty": {"float32_bits": []},
        },
        "bf16_reference": "torch " + torch.__version__ if torch is not None else "bit-level RNE",
        "f16_reference": "numpy " + np.__version__,
    }
    for name in order:
        dtype, shape, _ = tensors[name]
        expected["tensors"][name].update({"dtype": dtype, "shape": shape,
                                          "data_offsets": header[name]["data_offsets"]})
    with open(os.path.join(OUT_DIR, "fixture.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(json.dumps(expected["tensors"]["f16"]), json.dumps(expected["tensors"]["bf16"]))
    conversion_tables()


if __name__ == "__main__":
    main()
