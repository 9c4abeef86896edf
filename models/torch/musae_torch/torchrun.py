"""torchrun, with the one fix Debian's PyTorch 1.13 needs under Python 3.11:

    python3 -m musae_torch.torchrun --nproc_per_node N -m musae_torch.train ...

takes torchrun's arguments and runs torchrun. PyTorch 1.13's launcher reads its --redirects
and --tee values (default "0") by iterating over an IntFlag, which since Python 3.11 leaves
out the zero member, so plain `torchrun` stops before starting any process with
"AttributeError: 'NoneType' object has no attribute 'get'" (fixed in later PyTorch). With
a PyTorch where `torchrun` works, use torchrun itself; this module then changes nothing.
"""
import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _from_str(vm):
    if re.fullmatch(r"[0-7]", vm):
        return api.Std(int(vm))
    if re.fullmatch(r"(\d:[0-7],)*\d:[0-7]", vm):
        return {int(i): api.Std(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm!r} is not a valid std stream setting (0..3, or RANK:VALUE,...)")


def main():
    if api.Std.from_str("0") is None:
        api.Std.from_str = staticmethod(_from_str)
    from torch.distributed.run import main as run
    sys.argv[0] = "torchrun"
    run()


if __name__ == "__main__":
    main()
