"""PyTorch twins of musae's canonical models, with musae's parameter names and layouts.

A twin is built from a checkpoint's metadata (models.Meta: domain, config, encoder), as
musae's zoo builds its model, so that `load` reads any musae checkpoint into a twin and
`save` writes one musae reads. The architectures are musae's (models/conv, models/rnn):

- digits (domain "mnist"): the convolutional encoder c1, c2 → mu, lv, or (encoder "rnn") a
  bidirectional LSTM "enc" of 128 per direction reading the 28 rows; the convolutional
  decoder d1 → c3 → c4, 784 Bernoulli logits.
- melodies (domain "melody"): the bidirectional LSTM encoder "enc", or (encoder "conv") the
  1-D convolutional encoder enc.c1 (90→64), enc.c2 (64→128), each relu + max-pool 2; the
  decoder: initial (h, c) of every layer = tanh(init(z)) (layer by layer, h then c),
  input_t = [one-hot_{t−1} (zeros at t = 0), z], LSTM "dec", dense "out" → 90 logits.

Layouts are PyTorch's own (Linear [out, in], Conv [out, in, k...], LSTM gates i, f, g, o),
which are musae's, so state_dict() holds exactly a checkpoint's parameters.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import safetensors_io as st

VERSION = "0.1.0"  # models.Version of the musae these twins follow

MNIST, MELODY = "mnist", "melody"

# The canonical configurations, as musae's conv.ConfigByName and rnn.ConfigByName give them
# (Go field order: Config's JSON is json.Marshal of the struct).
CONFIGS = {
    "mnist-conv": {"Name": "mnist-conv", "Z": 16},
    "mnist-conv2": {"Name": "mnist-conv2", "Z": 2},
    "mel2-tiny": {"Name": "mel2-tiny", "Classes": 90, "Steps": 32, "EncoderHidden": 128, "DecoderHidden": [256], "Z": 64},
    "mel2-small": {"Name": "mel2-small", "Classes": 90, "Steps": 32, "EncoderHidden": 512, "DecoderHidden": [256, 256], "Z": 256},
}
ENCODERS = ("conv", "rnn")
IMAGE_RNN_HIDDEN = 128  # zoo.imageRNNHidden
SEQ_CONV_CHANNELS = (64, 128)  # conv.DefaultSeqConfig


def domain_of(name):
    if name not in CONFIGS:
        raise ValueError(f"musae_torch: unknown model {name!r} (one of {', '.join(CONFIGS)})")
    return MNIST if name.startswith("mnist-") else MELODY


def default_encoder(domain):
    return "rnn" if domain == MELODY else "conv"


def new_meta(name, z=0, encoder="", seed=1):
    """The metadata of a fresh model of a canonical configuration, as zoo.New writes it:
    z > 0 overrides the latent size; encoder "" (or the domain's own) keeps the encoder."""
    domain = domain_of(name)
    if encoder and encoder not in ENCODERS:
        raise ValueError(f"musae_torch: unknown encoder {encoder!r} (one of {', '.join(ENCODERS)})")
    if encoder == default_encoder(domain):
        encoder = ""
    cfg = dict(CONFIGS[name])
    if z > 0:
        cfg["Z"] = z
    return {"model": name, "domain": domain, "config": cfg, "encoder": encoder, "seed": seed}


# ---- encoders ------------------------------------------------------------------------

class ImageConvEncoder(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.mu = nn.Linear(3136, z)
        self.lv = nn.Linear(3136, z)

    def forward(self, x):  # x [N, 28, 28]
        h = F.max_pool2d(F.relu(self.c1(x.unsqueeze(1))), 2)
        h = F.max_pool2d(F.relu(self.c2(h)), 2).flatten(1)
        return self.mu(h), self.lv(h)


class LSTMEncoder(nn.Module):
    """Bidirectional LSTM over the steps (melody classes one-hot, or image rows); the final
    hidden states of both directions → mu, logvar."""

    def __init__(self, inputs, hidden, z, classes=False):
        super().__init__()
        self.enc = nn.LSTM(inputs, hidden, batch_first=True, bidirectional=True)
        self.mu = nn.Linear(2 * hidden, z)
        self.lv = nn.Linear(2 * hidden, z)
        self.inputs, self.classes = inputs, classes

    def forward(self, x):  # classes [N, T] (int) or features [N, T, D]
        if self.classes:
            x = F.one_hot(x, self.inputs).to(self.mu.weight.dtype)
        _, (h, _) = self.enc(x)
        h = torch.cat([h[0], h[1]], dim=1)
        return self.mu(h), self.lv(h)


class SeqConvEncoder(nn.Module):
    """conv.SeqEncoder: Conv1d(k 3, padding 1) + relu + max_pool1d(2) per layer over the
    one-hot steps, flattened (channel, step) → mu, logvar."""

    def __init__(self, classes, steps, z, channels=SEQ_CONV_CHANNELS):
        super().__init__()
        self.enc = nn.Module()
        c = classes
        for k, out in enumerate(channels):
            self.enc.add_module(f"c{k + 1}", nn.Conv1d(c, out, 3, padding=1))
            c = out
        feats = channels[-1] * (steps >> len(channels))
        self.mu = nn.Linear(feats, z)
        self.lv = nn.Linear(feats, z)
        self.classes = classes

    def forward(self, x):  # classes [N, T]
        h = F.one_hot(x, self.classes).to(self.mu.weight.dtype).transpose(1, 2)
        for conv in self.enc.children():
            h = F.max_pool1d(F.relu(conv(h)), 2)
        h = h.flatten(1)
        return self.mu(h), self.lv(h)


# ---- decoders ------------------------------------------------------------------------

class ImageConvDecoder(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.d1 = nn.Linear(z, 3136)
        self.c3 = nn.Conv2d(64, 32, 3, padding=1)
        self.c4 = nn.Conv2d(32, 1, 3, padding=1)

    def logits(self, z):
        d = F.relu(self.d1(z)).reshape(-1, 64, 7, 7)
        d = F.relu(self.c3(F.interpolate(d, scale_factor=2, mode="nearest")))
        return self.c4(F.interpolate(d, scale_factor=2, mode="nearest")).flatten(1)

    def nll(self, z, x):
        """−log p(x|z) per image in nats (Bernoulli, summed over the 784 pixels)."""
        return F.binary_cross_entropy_with_logits(self.logits(z), x.flatten(1), reduction="none").sum(1)


class MelodyDecoder(nn.Module):
    def __init__(self, classes, steps, z, hidden):
        super().__init__()
        self.classes, self.steps, self.layers, self.hidden = classes, steps, len(hidden), hidden[0]
        self.init = nn.Linear(z, 2 * sum(hidden))
        self.dec = nn.LSTM(classes + z, hidden[0], num_layers=len(hidden), batch_first=True)
        self.out = nn.Linear(hidden[0], classes)

    def initial_state(self, z):
        st = torch.tanh(self.init(z)).reshape(-1, self.layers, 2, self.hidden)
        return st[:, :, 0].transpose(0, 1).contiguous(), st[:, :, 1].transpose(0, 1).contiguous()

    def teacher_logits(self, z, prev):
        """Logits [N, T, C] with the previous classes prev [N, T] fed at each step (−1 for
        none: zeros, as at t = 0)."""
        T = prev.shape[1]
        one = F.one_hot(prev.clamp(min=0), self.classes).to(z.dtype) * (prev >= 0).unsqueeze(2).to(z.dtype)
        inp = torch.cat([one, z.unsqueeze(1).expand(-1, T, -1)], dim=2)
        out, _ = self.dec(inp, self.initial_state(z))
        return self.out(out)

    @staticmethod
    def shifted(classes):
        """The teacher-forced inputs: class t−1 at step t, −1 at step 0."""
        return torch.cat([torch.full_like(classes[:, :1], -1), classes[:, :-1]], dim=1)

    def nll(self, z, classes, prev=None):
        """−log p(x|z) per melody in nats, teacher-forced (on prev when given: scheduled
        sampling's inputs)."""
        if prev is None:
            prev = self.shifted(classes)
        logits = self.teacher_logits(z, prev)
        rec = F.cross_entropy(logits.reshape(-1, self.classes), classes.reshape(-1), reduction="none")
        return rec.reshape(classes.shape).sum(1)

    @torch.no_grad()
    def decode(self, z, choose):
        """Runs the decoder autoregressively from z: choose(t, logits [N, C]) returns the
        classes [N] fed at step t+1. Returns the chosen classes [N, T]."""
        state = self.initial_state(z)
        prev = torch.zeros(len(z), 1, self.classes, dtype=z.dtype, device=z.device)
        picks = []
        for t in range(self.steps):
            out, state = self.dec(torch.cat([prev, z.unsqueeze(1)], dim=2), state)
            c = choose(t, self.out(out[:, 0]))
            picks.append(c)
            prev = F.one_hot(c, self.classes).to(z.dtype).unsqueeze(1)
        return torch.stack(picks, dim=1)

    def greedy(self, z):
        """rnn.Decoder.Generate at temperature 0: the argmax at every step, fed back
        (the first of equal maxima, as musae's argmax)."""
        return self.decode(z, lambda t, logits: logits.argmax(1))

    def generate(self, z, temperature, generator=None):
        if temperature == 0:
            return self.greedy(z)
        return self.decode(z, lambda t, logits: torch.multinomial(
            torch.softmax(logits.double() / temperature, 1), 1, generator=generator)[:, 0])

    @torch.no_grad()
    def scheduled_inputs(self, z, classes, prob, u_mask, u_pick):
        """rnn.Decoder.scheduleInputs: the teacher-forced inputs, each replaced with
        probability prob (u_mask < prob) by a class drawn (inverse CDF at u_pick) from the
        decoder's own output at the step before, running on those very inputs. No gradient
        flows through the draws, as in MusicVAE."""
        prev = self.shifted(classes).clone()
        T = classes.shape[1]

        def choose(t, logits):
            if t + 1 < T:
                p = torch.softmax(logits.double(), 1).cumsum(1)
                drawn = torch.searchsorted(p, (u_pick[:, t] * p[:, -1]).unsqueeze(1))[:, 0].clamp(max=self.classes - 1)
                take = u_mask[:, t] < prob
                prev[take, t + 1] = drawn[take]
                return prev[:, t + 1].clamp(min=0)
            return logits.argmax(1)

        self.decode(z, choose)
        return prev


# ---- the VAE ---------------------------------------------------------------------------

class VAE(nn.Module):
    """A twin of one musae model. Its parameters are the encoder's and the decoder's under
    musae's names (state_dict() has no prefixes), in musae's order."""

    def __init__(self, meta):
        super().__init__()
        cfg = meta["config"]
        if isinstance(cfg, (str, bytes)):
            cfg = json.loads(cfg)
        domain, encoder = meta["domain"], meta.get("encoder", "")
        z = cfg["Z"]
        if domain == MNIST:
            if encoder in ("", "conv"):
                enc = ImageConvEncoder(z)
            elif encoder == "rnn":
                enc = LSTMEncoder(28, IMAGE_RNN_HIDDEN, z)
            else:
                raise ValueError(f"musae_torch: unknown encoder {encoder!r}")
            dec = ImageConvDecoder(z)
        elif domain == MELODY:
            C, T = cfg["Classes"], cfg["Steps"]
            if encoder in ("", "rnn"):
                enc = LSTMEncoder(C, cfg["EncoderHidden"], z, classes=True)
            elif encoder == "conv":
                enc = SeqConvEncoder(C, T, z)
            else:
                raise ValueError(f"musae_torch: unknown encoder {encoder!r}")
            dec = MelodyDecoder(C, T, z, cfg["DecoderHidden"])
        else:
            raise ValueError(f"musae_torch: unknown domain {domain!r}")
        # The parts' layers become the VAE's own children, so that names carry no prefix.
        for name, m in list(enc.named_children()) + list(dec.named_children()):
            self.add_module(name, m)
        object.__setattr__(self, "encoder", enc)
        object.__setattr__(self, "decoder", dec)
        self.domain, self.z = domain, z
        self.meta = dict(meta, config=cfg)

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x, eps=None, schedule=None):
        """Per-example reconstruction and KL terms in nats and z, with z = mu + exp(lv/2)·eps
        (eps None: z = mu). schedule, for melodies, is scheduled sampling's (probability,
        u_mask, u_pick): see MelodyDecoder.scheduled_inputs."""
        mu, lv = self.encoder(x)
        z = mu if eps is None else mu + torch.exp(0.5 * lv) * eps
        if self.domain == MNIST:
            rec = self.decoder.nll(z, x)
        else:
            prev = None
            if schedule is not None and schedule[0] > 0:
                prev = self.decoder.scheduled_inputs(z.detach(), x, *schedule)
            rec = self.decoder.nll(z, x, prev)
        return rec, kl_nats(mu, lv), z


def training_loss(rec, kl, beta, free_nats):
    """musae's training loss (models.VAE.Step): the batch mean of rec + beta·max(KL − free
    nats, 0), per example."""
    return (rec + beta * torch.clamp(kl - free_nats, min=0)).mean()


def kl_nats(mu, lv):
    """KL(N(mu, exp(lv)) ‖ N(0, I)) per example in nats, summed over the latent (in float64
    as musae sums it)."""
    mu, lv = mu.double(), lv.double()
    return (-0.5 * (1 + lv - mu * mu - lv.exp())).sum(1)


# ---- checkpoints ---------------------------------------------------------------------

def load(path, map_location="cpu"):
    """Reads a musae checkpoint into a twin. Returns (model, meta, tensors): meta is the
    decoded models.Meta (with "_raw", the metadata strings as stored), tensors every tensor of
    the file (optimizer.* and test.* included)."""
    tensors, raw = st.read(path)
    meta = checkpoint_meta(raw, path)
    model = VAE(meta)
    params = dict(model.named_parameters())
    problems = []
    for name, p in params.items():
        t = tensors.get(name)
        if t is None:
            problems.append(f"missing {name} {list(p.shape)}")
        elif t.dtype != torch.float32:
            problems.append(f"{name} is {t.dtype}, want float32")
        elif list(t.shape) != list(p.shape):
            problems.append(f"{name} has shape {list(t.shape)}, the model wants {list(p.shape)}")
    for k in tensors:
        if k not in params and not k.startswith(("test.", "optimizer.")):
            problems.append("unexpected tensor " + k)
    if problems:
        raise st.FormatError(f"musae_torch: {path} (model {meta['model']}): parameters do not match the model: " + "; ".join(sorted(problems)))
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(tensors[name])
    return model.to(map_location), meta, tensors


def checkpoint_meta(raw, name):
    if raw.get("format") != st.FORMAT:
        raise st.FormatError(f"musae_torch: read {name}: not a musae checkpoint (a safetensors file without musae's metadata; format {raw.get('format')!r}, want {st.FORMAT!r})")
    try:
        meta = json.loads(raw["musae"])
    except (KeyError, ValueError) as e:
        raise st.FormatError(f"musae_torch: read {name}: bad musae metadata: {e}") from None
    if not meta.get("model") or not meta.get("domain"):
        raise st.FormatError(f"musae_torch: read {name}: not a musae checkpoint (metadata names no model or domain)")
    meta["_raw"] = raw
    return meta


# models.Meta's fields in Go's order, and whether each is omitted when empty (omitempty).
_META_FIELDS = [("model", False), ("domain", False), ("config", False), ("dataset", True), ("data", True),
                ("encoder", True), ("track", True), ("sampling_rate", True), ("limit", True), ("seed", False),
                ("steps", False), ("epochs", False), ("version", False), ("command", True), ("train", True),
                ("metrics", True)]


def meta_json(meta):
    """models.Meta as Go's json.Marshal writes it."""
    out = {}
    for k, omit in _META_FIELDS:
        v = meta.get(k)
        if omit and not v:
            continue
        if k == "config":
            v = st.Raw(json.dumps(v, separators=(",", ":")) if not isinstance(v, str) else v)
        elif k == "train":
            v = st.Raw(v) if isinstance(v, str) else v
        elif k == "metrics":
            v = {m: float(v[m]) for m in sorted(v)}
        elif k == "epochs" or k == "sampling_rate":
            v = float(v or 0)
        elif k in ("seed", "steps", "limit"):
            v = int(v or 0)
        elif v is None:
            v = ""
        out[k] = v
    return st.go_json(out)


def save(path, model, meta, extra=None):
    """Writes model's parameters (and extra tensors, such as optimizer.*) with meta as a musae
    checkpoint, atomically. meta as load returns it is written back unchanged (its stored
    strings); otherwise models.Meta is encoded as musae would."""
    tensors = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    if extra:
        tensors.update(extra)
    st.write(path, tensors, metadata_strings(meta))


def metadata_strings(meta):
    raw = meta.get("_raw")
    if raw is not None:
        return dict(raw)
    m = dict(meta)
    m.setdefault("version", VERSION)
    return {"format": st.FORMAT, "musae": meta_json(m)}
