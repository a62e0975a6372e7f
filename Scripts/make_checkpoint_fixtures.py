# Run: apt-get install -y python3-torch && /usr/bin/python3 Scripts/make_checkpoint_fixtures.py   (Debian's torch, not the pyenv python)
"""Writes Fixtures/checkpoints/: one tiny state dict in every format TensorArchive reads, plus the expected values.

tiny-zip.pth        torch.save default (zip, torch >= 1.6)
tiny-legacy.pth     torch.save(..., _use_new_zipfile_serialization=False); its storage keys are memory addresses,
                    so its bytes change on every run (the values do not)
tiny-wrapped.pth    {'state_dict': {'module.<key>': ...}, 'epoch': 3, 'arch': 'tiny'} (zip)
tiny-bigendian.pth  tiny-zip.pth re-packed by Python's zipfile (no ZIP64, no alignment) with its storages
                    byte-swapped and a `byteorder` entry saying "big", as torch >= 2.1 writes on big-endian hosts
tiny.safetensors    written by hand here, so the safetensors package is not needed
tiny-expected.json  {key: {"shape": [...], "values": [... as floats ...]}}
"""
import collections
import json
import os
import pickle
import struct
import zipfile

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "checkpoints")


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(6, 5)
        base = torch.randn(4, 6)
        # Views of one base: they share a storage, and are saved with their strides/offsets, not copied.
        self.register_buffer("transposed", base.t())
        self.register_buffer("slice", base[1:3, 2:5])
        self.register_buffer("half_values", torch.randn(2, 3).half())
        self.register_buffer("bfloat_values", torch.randn(3).bfloat16())
        self.register_buffer("double_values", torch.randn(2, dtype=torch.float64))


def main():
    torch.manual_seed(1234)
    model = Tiny()
    with torch.no_grad():
        model.bn1.weight.uniform_(0.5, 1.5)
        model.bn1.bias.normal_()
        model.bn1.running_mean.normal_()
        model.bn1.running_var.uniform_(0.5, 2.0)
        model.bn1.num_batches_tracked.fill_(7)
    state = model.state_dict()
    assert not state["transposed"].is_contiguous() and state["slice"].storage_offset() == 8

    os.makedirs(OUT, exist_ok=True)
    torch.save(state, os.path.join(OUT, "tiny-zip.pth"))
    torch.save(state, os.path.join(OUT, "tiny-legacy.pth"), _use_new_zipfile_serialization=False)
    wrapped = {"state_dict": collections.OrderedDict(("module." + k, v) for k, v in state.items()),
               "epoch": 3, "arch": "tiny"}
    torch.save(wrapped, os.path.join(OUT, "tiny-wrapped.pth"))
    write_safetensors(state, os.path.join(OUT, "tiny.safetensors"))
    write_big_endian(os.path.join(OUT, "tiny-zip.pth"), os.path.join(OUT, "tiny-bigendian.pth"))

    expected = {k: {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                    "values": [float(x) for x in v.float().flatten().tolist()]}
                for k, v in state.items()}
    with open(os.path.join(OUT, "tiny-expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


class StorageSizes(pickle.Unpickler):
    """Reads data.pkl only to learn each storage key's element size; tensors are not rebuilt."""
    sizes = {}

    def find_class(self, module, name):
        if name.endswith("Storage"):
            return getattr(torch, name)
        if name == "_rebuild_tensor_v2":
            return lambda *args: None
        return super().find_class(module, name)

    def persistent_load(self, pid):
        _, storage_type, key, _, _ = pid
        StorageSizes.sizes[key] = storage_type(0).element_size()
        return None


def write_big_endian(source, path):
    with zipfile.ZipFile(source) as z:
        names = z.namelist()
        prefix = names[0].split("/")[0]
        StorageSizes(z.open(prefix + "/data.pkl")).load()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as out:
            for name in names:
                data = z.read(name)
                key = name[len(prefix + "/data/"):] if name.startswith(prefix + "/data/") else None
                if key is not None:
                    size = StorageSizes.sizes[key]
                    data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
                out.writestr("tiny-bigendian/" + name[len(prefix) + 1:], data)
            out.writestr("tiny-bigendian/byteorder", b"big")


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                      torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}


def write_safetensors(state, path):
    """The format: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}}, then the data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in state.items():
        # bfloat16 has no numpy dtype: reinterpret as int16 to get the raw little-endian bytes.
        raw = t.contiguous().view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 \
            else t.contiguous().numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the reference writer pads the header to 8 bytes with spaces
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


if __name__ == "__main__":
    main()
