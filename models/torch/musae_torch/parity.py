"""Runs a twin on the inputs stored in a musae file and writes its outputs, for musae's
parity test (models/torch/parity_test.go) to compare with musae's own.

    python3 -m musae_torch.parity IN.safetensors -o OUT.safetensors

IN is a musae checkpoint (weights and metadata) with the inputs under test.x: images F32
[N, 28, 28] or melody classes I64 [N, 32], and, for melodies, musae's greedy decoding under
test.greedy. OUT holds, with z = mu:
  torch.mu, torch.logvar             [N, Z]
  torch.reconstruction_nats          [N]  −log p(x|z), teacher-forced for melodies
  torch.kl_nats                      [N]
  torch.logits                       [N, 784] images: the decoder's Bernoulli logits
  torch.greedy                       [N, T] melodies: the twin's own greedy decoding
  torch.forced, torch.forced_margin  [N, T] melodies: the twin's argmax at each step when fed
                                     musae's greedy decoding, and its lead over the runner-up
  torch.grad.NAME                    when IN holds test.beta and test.free_nats: the gradient
                                     of musae's training loss at z = mu, per parameter
  torch.updated.NAME, torch.m.NAME   when IN also holds test.adam_step: the weights after the
                                     trainer's update (clip 1, Adam from zero moments at that
                                     step), and Adam's first moment (0.1 × the clipped gradient)
"""
import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

from . import models, safetensors_io as st  # noqa: E402


def run(path, dtype=torch.float32):
    model, meta, tensors = models.load(path)
    model = model.to(dtype).eval()
    x = tensors["test.x"]
    if model.domain == models.MNIST:
        x = x.to(dtype)
    out = {}
    with torch.no_grad():
        rec, kl, mu = model(x)
        _, lv = model.encode(x)
        out["torch.mu"], out["torch.logvar"] = mu, lv
        out["torch.reconstruction_nats"], out["torch.kl_nats"] = rec, kl
        if model.domain == models.MNIST:
            out["torch.logits"] = model.decoder.logits(mu)
        else:
            dec = model.decoder
            out["torch.greedy"] = dec.greedy(mu)
            if "test.greedy" in tensors:
                g = tensors["test.greedy"].long()
                logits = dec.teacher_logits(mu, dec.shifted(g))
                top = logits.topk(2, dim=2).values
                out["torch.forced"] = logits.argmax(2)
                out["torch.forced_margin"] = top[..., 0] - top[..., 1]
    if "test.beta" in tensors:
        out.update(gradients(model, x, float(tensors["test.beta"][0]), float(tensors["test.free_nats"][0])))
        if "test.adam_step" in tensors:
            out.update(adam_update(model, int(tensors["test.adam_step"][0])))
    return {k: (v.float() if v.is_floating_point() else v.long()) for k, v in out.items()}


def adam_update(model, step):
    """The trainer's update (musae_torch.train.update: clipping at 1, Adam at the decayed
    learning rate) from zero moments after step updates, as torch.updated.NAME."""
    from . import train
    optim = {"LR": 1e-3, "MinLR": 1e-5, "Decay": 0.9999, "Beta1": 0.9, "Beta2": 0.999, "Eps": 1e-8, "ClipNorm": 1.0}
    opt = torch.optim.Adam(model.parameters(), betas=(0.9, 0.999), eps=1e-8)
    for p in model.parameters():
        opt.state[p] = {"step": torch.tensor(float(step)), "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)}
    with torch.no_grad():
        train.update(opt, model.parameters(), optim, step)
    out = {"torch.updated." + k: p.detach().clone() for k, p in model.named_parameters()}
    out.update({"torch.m." + k: opt.state[p]["exp_avg"].clone() for k, p in model.named_parameters()})
    return out


def gradients(model, x, beta, free_nats):
    """The gradients of musae's training loss, mean(rec + beta·max(KL − free nats, 0)), at
    z = mu (VAE.Step with no noise), as torch.grad.NAME."""
    model.zero_grad()
    rec, kl, _ = model(x)
    models.training_loss(rec, kl, beta, free_nats).backward()
    return {"torch.grad." + k: p.grad.detach().clone() for k, p in model.named_parameters()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    try:
        st.write(a.output, run(a.input))
    except (st.FormatError, KeyError, OSError) as e:
        sys.exit(f"musae_torch.parity: {e}")


if __name__ == "__main__":
    main()
