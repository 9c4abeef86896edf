"""The training data: melody windows as `musae datasets export` writes them, and MNIST's
IDX files, served as global batches that each rank takes its share of.

Randomness (augmentation, binarisation, the posterior's noise, scheduled sampling's draws)
is drawn for the whole global batch from a generator seeded by (seed, step), and each rank
takes its rows, so that a run gives the same numbers whatever the number of processes.
"""
import gzip
import os
import struct
import subprocess

import torch

from . import safetensors_io as st

# midi: class 0 = no event, 1 = note-off, 2..89 = note-on of MIDI pitch 21..108.
FIRST_NOTE, LAST_NOTE = 2, 89
MUSICVAE_TRANSPOSE = 5  # datasets.MusicVAETranspose


class DataError(ValueError):
    """Bad training data; the message names the file and the problem."""


def step_generator(seed, step):
    """The random source of one training step, the same on every rank."""
    return torch.Generator().manual_seed(((seed & 0xFFFFFFFF) << 32 | (step & 0xFFFFFFFF)) & (2**63 - 1))


class Windows:
    """Melody windows from `musae datasets export DIR -o FILE`: I64 tensors train and
    validation [N, 32] of class indices, and the export's metadata."""

    def __init__(self, path):
        try:
            t, self.meta = st.read(path)
        except OSError as e:
            raise DataError(f"musae_torch: windows {path}: {e.strerror}") from None
        for name in ("train", "validation"):
            x = t.get(name)
            if x is None:
                raise DataError(f"musae_torch: windows {path}: no tensor {name!r} (write the file with `musae datasets export DIR -o {os.path.basename(path)}`)")
            if x.dtype != torch.int64 or x.dim() != 2:
                raise DataError(f"musae_torch: windows {path}: {name} is {x.dtype} of shape {list(x.shape)}, want int64 [N, steps]")
            if x.numel() and (x.min() < 0 or x.max() > LAST_NOTE):
                raise DataError(f"musae_torch: windows {path}: {name} holds class {int(x.min())}..{int(x.max())}, want 0..{LAST_NOTE}")
        self.path, self.train, self.validation = path, t["train"], t["validation"]
        if self.validation.numel() and self.validation.shape[1] != self.train.shape[1]:
            raise DataError(f"musae_torch: windows {path}: train windows have {self.train.shape[1]} steps, validation ones {self.validation.shape[1]}")
        if len(self.train) == 0:
            raise DataError(f"musae_torch: windows {path}: no training windows")

    def batch(self, idx, rows, gen, max_transpose):
        """The windows at idx (this rank's), transposed by the global batch's draws at rows."""
        x = self.train[idx]
        if max_transpose > 0:
            shifts = torch.randint(-max_transpose, max_transpose + 1, (gen.total,), generator=gen.g)[rows]
            x = transpose(x, shifts)
        return x


def transpose(x, shifts):
    """datasets.Transpose per window: every note moves by its window's shift, unless one would
    leave the piano range, when the window stays as it is."""
    notes = x >= FIRST_NOTE
    moved = x + shifts.unsqueeze(1) * notes
    ok = ((moved >= FIRST_NOTE) & (moved <= LAST_NOTE) | ~notes).all(1, keepdim=True)
    return torch.where(ok, moved, x)


class Draws:
    """A global batch's generator and size, drawn from in a fixed order."""

    def __init__(self, seed, step, total):
        self.g, self.total = step_generator(seed, step), total


# ---- MNIST ----------------------------------------------------------------------------

MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte")}


def default_mnist_dir():
    """Where musae finds MNIST: the GoMNIST module in the Go module cache."""
    sub = os.path.join("github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
    caches = []
    try:
        caches.append(subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, timeout=30).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    caches += [os.environ.get("GOMODCACHE", ""), os.path.join(os.path.expanduser("~"), "go", "pkg", "mod")]
    for c in caches:
        if c and os.path.isdir(os.path.join(c, sub)):
            return os.path.join(c, sub)
    return None


def find_idx(d, split):
    for stem in MNIST_FILES[split]:
        for name in (stem, stem + ".gz"):
            if os.path.exists(os.path.join(d, name)):
                return os.path.join(d, name)
    raise DataError(f"musae_torch: MNIST: no {MNIST_FILES[split][0]}[.gz] in {d}")


def read_idx_images(path):
    """The images of an IDX file as uint8 [N, rows, cols]."""
    op = gzip.open if path.endswith(".gz") else open
    try:
        with op(path, "rb") as f:
            b = f.read()
    except OSError as e:
        raise DataError(f"musae_torch: MNIST {path}: {e}") from None
    if len(b) < 16 or struct.unpack(">I", b[:4])[0] != 0x803:
        raise DataError(f"musae_torch: MNIST {path}: not an IDX file of images (magic 0x803)")
    n, r, c = struct.unpack(">III", b[4:16])
    if len(b) != 16 + n * r * c:
        raise DataError(f"musae_torch: MNIST {path}: {len(b) - 16} bytes of pixels, the header says {n}×{r}×{c}")
    return torch.frombuffer(bytearray(b[16:]), dtype=torch.uint8).reshape(n, r, c)


class Images:
    """MNIST (or Fashion-MNIST) from a folder of IDX files, as datasets.LoadMNIST reads it."""

    def __init__(self, d):
        self.dir = d
        self.train, self.test = read_idx_images(find_idx(d, "train")), read_idx_images(find_idx(d, "test"))

    def batch(self, idx, rows, gen):
        """The images at idx, binarised afresh (a pixel is 1 with its intensity's
        probability, as datasets.BinarizeRandom), from the global batch's draws at rows."""
        p = self.train[idx].float() / 255
        u = torch.rand((gen.total,) + tuple(p.shape[1:]), generator=gen.g)[rows]
        return (u < p).float()

    def test_batch(self, lo, hi):
        """Test images statically binarised at 0.5 (musae eval's convention)."""
        return (self.test[lo:hi].float() / 255 > 0.5).float()
