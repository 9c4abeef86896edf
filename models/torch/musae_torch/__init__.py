"""musae_torch: PyTorch twins of musae's models, musae's safetensors checkpoints read and
written unchanged, and a distributed trainer (torchrun) whose checkpoints musae uses as its
own. See models/torch/README.md."""
