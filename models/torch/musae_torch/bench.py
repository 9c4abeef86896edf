"""Times one training step (forward, backward, Adam) of a twin on random data, printing
the lines `musae bench` and ../shared/bench/torch_reference.py print, so that musae can be
measured against PyTorch for every model and encoder swap, not only the reference's:

    python3 -m musae_torch.bench mel2-tiny --encoder conv --batch 64 --seconds 10
    musae bench mel2-tiny --encoder conv --batch 64 --seconds 10

--threads 0 (the default) tries 1 and 2 threads and reports the faster, as the reference does.
"""
import argparse
import os
import resource
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

from . import models  # noqa: E402


def bench(a, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    meta = models.new_meta(a.model, a.z, a.encoder)
    model = models.VAE(meta)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    cfg = meta["config"]
    if model.domain == models.MNIST:
        data = [torch.bernoulli(torch.rand(a.batch, 28, 28)) for _ in range(8)]
    else:
        data = [torch.randint(0, cfg["Classes"], (a.batch, cfg["Steps"])) for _ in range(8)]

    def step(i):
        opt.zero_grad()
        x = data[i % len(data)]
        rec, kl, _ = model(x, torch.randn(a.batch, model.z))
        (rec + kl).mean().backward()
        opt.step()

    for i in range(3):
        step(i)
    times, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < a.seconds or len(times) < 5:
        s = time.perf_counter()
        step(len(times))
        times.append(time.perf_counter() - s)
    times.sort()
    return times[len(times) // 2], sum(p.numel() for p in model.parameters())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help=", ".join(models.CONFIGS))
    p.add_argument("--encoder", default="", help="conv or rnn (default: the model's own)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--z", type=int, default=0)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--threads", type=int, default=0, help="0: the faster of 1 and 2")
    a = p.parse_args(argv)
    runs = []
    for t in ([1, 2] if a.threads == 0 else [a.threads]):
        med, params = bench(argparse.Namespace(**{**vars(a), "seconds": a.seconds / (2 if a.threads == 0 else 1)}), t)
        runs.append((a.batch / med, med, t, params))
    eps, med, t, params = max(runs)
    name = a.model + (f" --encoder {a.encoder}" if a.encoder else "")
    print(f"model {name}\nparams {params} count\nbatch {a.batch} examples\nthreads {t} threads\n"
          f"step_median {med * 1000:.2f} ms\nexamples_per_second {eps:.1f} examples/s\n"
          f"peak_rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
