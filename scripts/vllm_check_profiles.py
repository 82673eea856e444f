"""Parse every profile's ``vllm serve`` argv with vLLM's own argument parser (run with the vLLM venv).

A flag renamed or removed in the pinned vLLM fails here, before anyone rents a GPU
to find out. Reads the YAML files directly (this venv does not have copydesk's deps).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from vllm.entrypoints.launchers.cli_args import make_arg_parser
from vllm.utils.argparse_utils import FlexibleArgumentParser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving.profiles import profile_from_dict  # noqa: E402  (pure module: yaml + dataclasses only)


def main() -> int:
    parser = make_arg_parser(FlexibleArgumentParser())
    failures = 0
    for path in sorted((ROOT / "serving" / "vllm").glob("*.yaml")):
        profile = profile_from_dict(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        argv = profile.command()
        argv = argv[3:] if argv[0] == "python" else argv[2:]  # drop the launcher, keep the model and flags
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            print(f"FAIL {path.name}: vLLM rejects {' '.join(argv)}")
            failures += 1
            continue
        print(f"ok   {path.name}: quantization={args.quantization} max_model_len={args.max_model_len}"
              f" max_num_seqs={args.max_num_seqs} tp={args.tensor_parallel_size}"
              f" prefix_caching={args.enable_prefix_caching} lora={args.enable_lora}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
