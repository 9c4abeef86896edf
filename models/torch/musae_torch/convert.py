"""Reads a musae checkpoint into its PyTorch twin and writes it back from the twin's
state_dict, with the metadata and the optimiser's state as they were: the round trip
musae → PyTorch → musae, which gives the same bytes.

    python3 -m musae_torch.convert IN.safetensors OUT.safetensors
"""
import argparse
import sys

from . import models, safetensors_io as st


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("output")
    a = p.parse_args(argv)
    try:
        model, meta, tensors = models.load(a.input)
        extra = {k: v for k, v in tensors.items() if k.startswith(("optimizer.", "test."))}
        models.save(a.output, model, meta, extra)
    except (st.FormatError, OSError) as e:
        sys.exit(f"musae_torch.convert: {e}")
    print(f"wrote {a.output}: {meta['model']} ({meta['domain']}), {sum(p.numel() for p in model.parameters())} parameters")


if __name__ == "__main__":
    main()
