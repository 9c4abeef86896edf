"""Trains a musae model with PyTorch's distributed data parallel engine; the checkpoint is
musae's own (musae eval, sample, interpolate ... --model OUT use it unchanged).

One machine, N processes (GPUs over NCCL, or CPU processes over gloo):
    torchrun --nproc_per_node N -m musae_torch.train --config mel2-small \\
        --windows windows.safetensors -o mel2-small.safetensors
Several machines: the same command on each, with
    --nnodes M --node_rank K --rdzv_backend c10d --rdzv_endpoint HOST:29500
(see README.md). Without torchrun it runs as one process.

--batch is the global batch: each of the N processes takes batch/N examples of it, picked
by DistributedSampler, and the gradients are averaged, so a run's result does not depend on
N (up to float rounding). Losses and schedules are musae train's: loss = reconstruction +
beta·max(KL − free nats, 0) per example, beta = (1 − rate^step)·max beta, Adam with
lr(step) = (lr − min lr)·decay^step + min lr, global-norm gradient clipping, and for
melodies transposition by ±5 semitones and optional scheduled sampling; digits are
binarised afresh at every draw. Defaults follow the domain as in musae train.

Process 0 writes the checkpoint (atomically: a temporary file and a rename) at each epoch's
end, every --save-every, at the end, and when the run is stopped (Ctrl-C or SIGTERM; exit
130); it holds the optimiser's state and the position, so --resume continues exactly, and
musae train --resume continues it too. A CSV log (OUT.log.csv, musae's columns) goes beside.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from torch.utils.data.distributed import DistributedSampler  # noqa: E402

from . import data, models, safetensors_io as st  # noqa: E402

# musae train's defaults by domain: clip, max beta, beta rate, free nats.
DEFAULTS = {models.MNIST: (0.0, 1.0, 0.0, 0.0), models.MELODY: (1.0, 0.2, 0.99999, 48.0)}
LOG_COLUMNS = ["step", "epoch", "split", "loss", "reconstruction", "kl", "beta", "lr", "grad_norm", "accuracy"]
EVAL_WINDOWS = 2000  # musae's evalWindows


def parse_args(argv):
    p = argparse.ArgumentParser(prog="torchrun --nproc_per_node N -m musae_torch.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="mnist-conv, mnist-conv2, mel2-tiny or mel2-small (from the checkpoint with --resume)")
    p.add_argument("--encoder", default="", help="conv or rnn: swap the encoder, as musae train --encoder")
    p.add_argument("--z", type=int, default=0, help="latent size (0: the config's)")
    p.add_argument("--windows", help="melodies: the file `musae datasets export DIR -o FILE` writes")
    p.add_argument("--mnist", help="digits: the folder of MNIST's IDX files (default: the GoMNIST module in the Go module cache)")
    p.add_argument("--data", default=None, help="melodies: the MIDI folder the windows came from, recorded for musae eval (default: the export's source, if it is an absolute path here)")
    p.add_argument("-o", "--output", required=True, help="the checkpoint to write")
    p.add_argument("--resume", help="continue the run saved in this checkpoint (musae's or this trainer's)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=64, help="global examples per step, split over the processes")
    p.add_argument("--limit", type=int, default=0, help="train on the first N examples only")
    p.add_argument("--max-steps", type=int, default=0, help="stop (with a checkpoint) after this many updates in all")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-5)
    p.add_argument("--lr-decay", type=float, default=0.9999)
    p.add_argument("--clip", type=float, default=None, help="global gradient-norm clip, 0 = off (default: 0 digits, 1 melodies)")
    p.add_argument("--max-beta", type=float, default=None, help="(default: 1 digits, 0.2 melodies)")
    p.add_argument("--beta-rate", type=float, default=None, help="beta = (1 − rate^step)·max beta; 0 = constant (default: 0 digits, 0.99999 melodies)")
    p.add_argument("--free-nats", type=float, default=None, help="(default: 0 digits, 48 melodies)")
    p.add_argument("--sampling-rate", type=float, default=None, help="melodies: scheduled sampling, MusicVAE's inverse-sigmoid rate (1000 in its 2-bar models); 0 = teacher forcing")
    p.add_argument("--max-transpose", type=int, default=data.MUSICVAE_TRANSPOSE, help="melodies: transposition range in semitones")
    p.add_argument("--save-every", type=float, default=300, help="also checkpoint every this many seconds (0: only at epoch ends)")
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--eval-n", type=int, default=0, help="validation examples scored after each epoch (0: 2000 windows, all 10000 test images; -1: none)")
    p.add_argument("--device", default="auto", help="auto (cuda:LOCAL_RANK when there is a GPU), cpu or cuda")
    p.add_argument("--threads", type=int, default=0, help="intra-op threads per process (0: PyTorch's default)")
    return p.parse_args(argv)


class Run:
    """One process's part of a training run."""

    def __init__(self, a):
        self.a = a
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        dev = a.device
        if dev == "auto":
            dev = "cuda" if torch.cuda.is_available() else "cpu"
        if dev == "cuda":
            torch.cuda.set_device(self.local)
            self.device = torch.device("cuda", self.local)
        else:
            self.device = torch.device(dev)
        self.distributed = "RANK" in os.environ and self.world > 1
        if self.distributed:
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        if a.threads > 0:
            torch.set_num_threads(a.threads)
        self.stop = False

    def log(self, *args):
        if self.rank == 0:
            print(*args, file=sys.stderr, flush=True)

    def fail(self, msg):
        if self.rank == 0:
            print(f"musae_torch.train: {msg}", file=sys.stderr, flush=True)
        sys.exit(2)


def launcher(world):
    if "RANK" in os.environ:
        return f"torchrun --nnodes {os.environ.get('GROUP_WORLD_SIZE', '1')} --nproc_per_node {os.environ.get('LOCAL_WORLD_SIZE', world)} -m musae_torch.train "
    return "python3 -m musae_torch.train "


def beta_at(loss, step):
    """models.Loss.Beta: (1 − rate^step)·max beta (MusicVAE's schedule); rate 0 keeps it."""
    return loss["MaxBeta"] if loss["BetaRate"] == 0 else (1 - loss["BetaRate"] ** step) * loss["MaxBeta"]


def lr_at(optim, step):
    """models.Adam.LR: (lr − min lr)·decay^step + min lr; decay 0 keeps lr."""
    return optim["LR"] if optim["Decay"] == 0 else (optim["LR"] - optim["MinLR"]) * optim["Decay"] ** step + optim["MinLR"]


def update(opt, params, optim, step):
    """models.Adam.Update for the update after step ones: the gradients clipped to the global
    norm ClipNorm (scaled by ClipNorm/(norm + 1e-6) when over it; the norm summed in float64),
    then an Adam step at lr_at(step). Returns the learning rate and the norm before clipping."""
    params = list(params)
    norm = math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in params))
    if optim["ClipNorm"] > 0 and norm > optim["ClipNorm"]:
        scale = optim["ClipNorm"] / (norm + 1e-6)
        for p in params:
            p.grad.mul_(scale)
    lr = lr_at(optim, step)
    for g in opt.param_groups:
        g["lr"] = lr
    opt.step()
    return lr, norm


def position_json(pos):
    """models.position as Go writes it (field order and names)."""
    c = pos["config"]
    o, l = c["optim"], c["loss"]
    return st.go_json({
        "config": {"epochs": int(c["epochs"]), "batch_size": int(c["batch_size"]), "seed": int(c["seed"]),
                   "optim": {k: float(o[k]) for k in ("LR", "MinLR", "Decay", "Beta1", "Beta2", "Eps", "ClipNorm")},
                   "loss": {k: float(l[k]) for k in ("FreeNats", "MaxBeta", "BetaRate")},
                   "log_every": int(c.get("log_every", 0))},
        "step": int(pos["step"]), "epoch": int(pos["epoch"]), "batch": int(pos["batch"]), "examples": int(pos["examples"])})


def main(argv=None):
    a = parse_args(argv)
    a.argv = list(sys.argv[1:] if argv is None else argv)
    r = Run(a)
    try:
        train(r, a)
    except (data.DataError, st.FormatError, ValueError) as e:
        r.fail(str(e))
    except OSError as e:
        r.fail(f"musae_torch: {e.filename or ''}: {e.strerror or e}")
    finally:
        if r.distributed and dist.is_initialized():
            dist.destroy_process_group()


def train(r, a):
    resume = None
    if a.resume:
        model, meta, tensors = models.load(a.resume)
        meta.pop("_raw")
        if not meta.get("train"):
            raise ValueError(f"musae_torch: resume from {a.resume}: no trainer state in it (a built-in or exported model)")
        resume = (json.loads(meta["train"]) if isinstance(meta["train"], str) else meta["train"], tensors)
        if a.config and a.config != meta["model"]:
            raise ValueError(f"musae_torch: --config {a.config}, but {a.resume} holds {meta['model']}")
    else:
        if not a.config:
            r.fail("say what to train: --config NAME (mnist-conv, mnist-conv2, mel2-tiny, mel2-small)")
        meta = models.new_meta(a.config, a.z, a.encoder, a.seed)
        torch.manual_seed(a.seed)  # PyTorch's initialisation; every rank draws the same
        model = models.VAE(meta)
    domain = meta["domain"]
    clip, max_beta, beta_rate, free_nats = DEFAULTS[domain]
    cfg = {"epochs": a.epochs, "batch_size": a.batch, "seed": a.seed,
           "optim": {"LR": a.lr, "MinLR": a.min_lr, "Decay": a.lr_decay, "Beta1": 0.9, "Beta2": 0.999, "Eps": 1e-8,
                     "ClipNorm": clip if a.clip is None else a.clip},
           "loss": {"FreeNats": free_nats if a.free_nats is None else a.free_nats,
                    "MaxBeta": max_beta if a.max_beta is None else a.max_beta,
                    "BetaRate": beta_rate if a.beta_rate is None else a.beta_rate},
           "log_every": a.log_every}
    sampling_rate = a.sampling_rate or 0.0
    limit = a.limit
    pos = {"step": 0, "epoch": 0, "batch": 0}
    if resume:
        p, tensors = resume
        cfg = dict(p["config"], epochs=a.epochs)  # the schedule and batch come from the checkpoint
        pos = {"step": p["step"], "epoch": p["epoch"], "batch": p["batch"]}
        if a.sampling_rate is None:
            sampling_rate = meta.get("sampling_rate", 0.0)
        if not a.limit:
            limit = meta.get("limit", 0)
    B, W = cfg["batch_size"], r.world
    if B % W:
        r.fail(f"--batch {B} does not split over {W} processes; make it a multiple of {W}")
    local_batch = B // W

    # Data.
    if domain == models.MELODY:
        if not a.windows:
            r.fail("say where the windows are: --windows FILE (musae datasets export DIR -o FILE)")
        ds = data.Windows(a.windows)
        train_x = ds.train
        steps = train_x.shape[1]
        if steps != meta["config"]["Steps"]:
            raise data.DataError(f"musae_torch: windows {a.windows}: {steps} steps per window, {meta['model']} wants {meta['config']['Steps']}")
        source = ds.meta.get("source", "")
        data_dir = a.data if a.data is not None else (source if os.path.isabs(source) else "")
        description = f"{os.path.basename(source.rstrip('/')) or a.windows} ({{n}} training windows of 2 bars from {ds.meta.get('files', '?')} files, track {json.dumps(ds.meta.get('track', ''))}, transposed ±{a.max_transpose}; musae_torch, {W} {'process' if W == 1 else 'processes'})"
        meta["track"] = ds.meta.get("track", "")
        meta["data"] = os.path.abspath(data_dir) if data_dir else ""
        meta["sampling_rate"] = sampling_rate
        valid = ds.validation
    else:
        d = a.mnist or data.default_mnist_dir()
        if not d:
            r.fail("say where MNIST is: --mnist DIR (its four IDX files; musae finds them in the Go module cache)")
        ds = data.Images(d)
        train_x = ds.train
        description = f"mnist train ({{n}} images, dynamically binarised; musae_torch, {W} {'process' if W == 1 else 'processes'})"
        valid = ds.test
    n = len(train_x)
    if limit and limit < n:
        n = limit
    per_epoch = n // B
    if per_epoch == 0:
        raise ValueError(f"musae_torch: {n} examples are fewer than one batch of {B}")
    if resume and resume[0].get("examples") not in (None, 0, n):
        raise ValueError(f"musae_torch: resume from {a.resume}: it was trained on {resume[0]['examples']} examples, the data now has {n}; resume needs the same data (and --limit)")
    meta.update(dataset=description.format(n=n), limit=limit, seed=cfg["seed"], version=models.VERSION,
                command=launcher(W) + " ".join(a.argv))

    model = model.to(r.device)
    net = DDP(model, device_ids=[r.local] if r.device.type == "cuda" else None) if r.distributed else model
    opt = torch.optim.Adam(model.parameters(), lr=cfg["optim"]["LR"], betas=(cfg["optim"]["Beta1"], cfg["optim"]["Beta2"]), eps=cfg["optim"]["Eps"])
    named = list(model.named_parameters())
    if resume:
        tensors = resume[1]
        for name, p in named:
            m, v = tensors.get("optimizer.m." + name), tensors.get("optimizer.v." + name)
            if m is None or v is None or m.shape != p.shape or v.shape != p.shape:
                raise ValueError(f"musae_torch: resume from {a.resume}: optimizer state optimizer.m/v.{name} is missing or has the wrong size")
            opt.state[p] = {"step": torch.tensor(float(pos["step"])), "exp_avg": m.to(r.device).clone(), "exp_avg_sq": v.to(r.device).clone()}

    o, lc = cfg["optim"], cfg["loss"]
    total = cfg["epochs"] * per_epoch
    if a.max_steps:
        total = min(total, a.max_steps)
    sampler = DistributedSampler(range(n), num_replicas=W, rank=r.rank, shuffle=True, seed=cfg["seed"], drop_last=True)
    assert len(sampler) // local_batch >= per_epoch
    out = a.output
    logf = open(out.removesuffix(".safetensors") + ".log.csv", "a" if resume else "w") if r.rank == 0 else None
    if logf and logf.tell() == 0:
        logf.write(",".join(LOG_COLUMNS) + "\n")
    metrics = {}
    zdim = meta["config"]["Z"]

    saved = {"step": None}

    def save():
        saved["step"] = pos["step"]
        if r.rank != 0:
            return
        m = dict(meta, steps=pos["step"], epochs=pos["epoch"] + pos["batch"] / per_epoch, metrics=metrics,
                 train=st.Raw(position_json(dict(pos, config=cfg, examples=n))))
        extra = {}
        sd = opt.state
        for name, p in named:
            s = sd.get(p, {})
            extra["optimizer.m." + name] = s.get("exp_avg", torch.zeros_like(p)).detach().float().cpu()
            extra["optimizer.v." + name] = s.get("exp_avg_sq", torch.zeros_like(p)).detach().float().cpu()
        models.save(out, model, m, extra)
        logf.flush()

    def on_signal(signum, frame):
        r.stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    rows = torch.arange(r.rank, B, W)  # this rank's rows of each global batch
    r.log(f"training {meta['model']}{' with the ' + meta['encoder'] + ' encoder' if meta.get('encoder') else ''} on {meta['dataset']}: "
          f"{n} examples, {cfg['epochs']} epochs of {per_epoch} steps, batch {B} = {W} × {local_batch} on {r.device}")
    start, last_save, steps_start = time.time(), time.time(), pos["step"]
    acc, acc_n, last = [0.0, 0.0, 0.0], 0, (math.nan,) * 3
    interrupted, first_done = False, None
    while pos["epoch"] < cfg["epochs"] and pos["step"] < total and not interrupted:
        sampler.set_epoch(pos["epoch"])
        idx = torch.tensor(list(sampler), dtype=torch.long)
        while pos["batch"] < per_epoch and pos["step"] < total:
            step = pos["step"]
            mine = idx[pos["batch"] * local_batch:(pos["batch"] + 1) * local_batch]
            draws = data.Draws(cfg["seed"], step, B)
            if domain == models.MELODY:
                x = ds.batch(mine, rows, draws, a.max_transpose)
            else:
                x = ds.batch(mine, rows, draws)
            eps = torch.randn(B, zdim, generator=draws.g)[rows]
            schedule = None
            if domain == models.MELODY and sampling_rate > 0:
                k = sampling_rate
                prob = 1 - k / (k + math.exp(min(step / k, 700)))
                T = x.shape[1]
                u_mask = torch.rand(B, T, generator=draws.g, dtype=torch.float64)[rows]
                u_pick = torch.rand(B, T, generator=draws.g, dtype=torch.float64)[rows]
                schedule = (prob, u_mask.to(r.device), u_pick.to(r.device))
            beta = beta_at(lc, step)
            opt.zero_grad(set_to_none=False)
            rec, kl, _ = net(x.to(r.device), eps.to(r.device), schedule)
            loss = models.training_loss(rec, kl, beta, lc["FreeNats"])
            loss.backward()
            lr, norm = update(opt, model.parameters(), o, step)
            pos["step"] += 1
            pos["batch"] += 1
            if first_done is None:
                first_done = time.time()  # the rate leaves out the first step (warm-up)
            # The batch's mean terms over all ranks, and whether any rank was told to stop.
            t = torch.tensor([float(loss), float(rec.double().mean()), float(kl.mean()), float(r.stop)], dtype=torch.float64)
            if r.distributed:
                t = t.to(r.device)
                dist.all_reduce(t)
                t = t.cpu()
                t[:3] /= W
            last = tuple(float(v) for v in t[:3])
            if not math.isfinite(last[0]):
                raise ValueError(f"musae_torch: train: the loss became {last[0]} at step {step}; lower the learning rate (the last good checkpoint is {out}, if one was written)")
            acc = [u + v for u, v in zip(acc, last)]
            acc_n += 1
            if acc_n == min(cfg["log_every"] or 50, per_epoch) and logf:
                logf.write(",".join([str(pos["step"]), "%g" % (pos["epoch"] + pos["batch"] / per_epoch), "train"] +
                                    ["%g" % (v / acc_n) for v in acc] + ["%g" % beta, "%g" % lr, "%g" % norm, ""]) + "\n")
            if acc_n == min(cfg["log_every"] or 50, per_epoch):
                acc, acc_n = [0.0, 0.0, 0.0], 0
            if t[3] > 0:
                interrupted = True
                break
            if a.save_every > 0 and time.time() - last_save > a.save_every:
                save()
                last_save = time.time()
        if pos["batch"] == per_epoch and not interrupted:
            pos["epoch"] += 1
            pos["batch"] = 0
            if r.rank == 0 and a.eval_n >= 0 and len(valid):
                metrics = validate(model, domain, ds, valid, a.eval_n, cfg["seed"], r.device)
                logf.write(",".join([str(pos["step"]), str(pos["epoch"]), "validation"] +
                                    ["%g" % metrics[k] for k in ("loss", "reconstruction", "kl")] + ["", "", "", "%g" % metrics["accuracy"] if "accuracy" in metrics else ""]) + "\n")
                r.log(f"epoch {pos['epoch']}/{cfg['epochs']}  validation: " + "  ".join(f"{k} {metrics[k]:.4g}" for k in sorted(metrics)))
        save()
        last_save = time.time()
    end = time.time()
    secs = end - start
    if saved["step"] != pos["step"] or not os.path.exists(out) and r.rank == 0:
        save()
    if r.rank == 0:
        logf.close()
        steady = end - first_done if first_done else 0
        eps_ = (pos["step"] - steps_start - 1) * B / steady if steady > 0 else 0
        print(f"checkpoint {out}\nsteps {pos['step']}\nepochs {pos['epoch'] + pos['batch'] / per_epoch:.2f}\nprocesses {W}\n"
              f"train_seconds {secs:.1f} s\nexamples_per_second {eps_:.1f} examples/s\n"
              f"loss {last[0]:.3f} nats\nreconstruction {last[1]:.3f} nats\nkl {last[2]:.3f} nats")
        for k in sorted(metrics):
            print(f"validation_{k} {metrics[k]:.4g}")
        sys.stdout.flush()
    if interrupted:
        r.log(f"musae_torch.train: interrupted at step {pos['step']}; checkpoint written to {out} (continue with --resume {out})")
        sys.exit(130)


@torch.no_grad()
def validate(model, domain, ds, valid, eval_n, seed, device):
    """musae's per-epoch figures: melodies, greedy accuracy from z = mu and the single-sample
    terms of the first 2000 validation windows; digits, the single-sample negative ELBO of
    the statically binarised test set."""
    model.eval()
    g = torch.Generator().manual_seed(seed ^ 0x65766c)
    n = min(eval_n or (EVAL_WINDOWS if domain == models.MELODY else len(valid)), len(valid))
    hits = total = 0
    rec_s = kl_s = 0.0
    for lo in range(0, n, 500):
        hi = min(lo + 500, n)
        x = (valid[lo:hi] if domain == models.MELODY else ds.test_batch(lo, hi)).to(device)
        eps = torch.randn(hi - lo, model.z, generator=g).to(device)
        rec, kl, _ = model(x, eps)
        rec_s += float(rec.double().sum())
        kl_s += float(kl.sum())
        if domain == models.MELODY:
            mu, _ = model.encode(x)
            hits += int((model.decoder.greedy(mu) == x).sum())
            total += x.numel()
    model.train()
    m = {"reconstruction": rec_s / n, "kl": kl_s / n, "loss": (rec_s + kl_s) / n}
    if total:
        m["accuracy"] = hits / total
    return m


if __name__ == "__main__":
    main()
