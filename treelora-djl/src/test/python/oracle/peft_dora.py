"""DoRA adapters made, saved and differentiated by Hugging Face PEFT itself, for the Java DoRA tests.

Run by the Java tests through PythonOracle (never at run time of the library); the Java-to-PEFT direction uses
`peft_adapters.py check`, whose helpers (the tiny Qwen2 base, the inputs, the logits) this script shares:

    peft_dora.py make OUT_DIR
        OUT_DIR/base/, OUT_DIR/inputs.json   as in peft_adapters.py
        OUT_DIR/<case>/                      a DoRA adapter written by PEFT's save_pretrained (use_dora=True,
                                             init_lora_weights=False so B is non-zero, the magnitude then scaled
                                             away from the weight norm), with oracle.safetensors holding:
              logits                         PEFT's logits (eval mode) with the adapter active
              merged_logits                  the logits after PEFT's merge_adapter()
              grad.<file key>                the gradient of sum(logits at unmasked positions) with respect to
                                             every adapter tensor, keyed by its adapter_model.safetensors key
        OUT_DIR/mixed/                       a plain LoRA adapter "first" and a DoRA adapter "second", both active
                                             in that order: OUT_DIR/mixed/{first,second}/ and oracle.safetensors
"""
import json
import os
import sys

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file

import peft_adapters
from peft_adapters import base_model, logits

CASES = {
    # q_proj/v_proj have biases (the bias is taken out of the base result), down_proj has none
    "dora": dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"]),
    "dora-rslora": dict(r=2, lora_alpha=6, use_rslora=True, lora_dropout=0.1,
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                        rank_pattern={"o_proj": 3}, alpha_pattern={"up_proj": 2}),
}


def perturb_magnitudes(model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            vectors = getattr(module, "lora_magnitude_vector", None)
            if isinstance(vectors, torch.nn.ModuleDict):
                for layer in vectors.values():
                    layer.weight.mul_(1 + 0.3 * torch.rand(layer.weight.shape, generator=generator))


def masked_logit_sum(model):
    mask = torch.tensor(peft_adapters.MASK)
    pos = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    out = model(input_ids=torch.tensor(peft_adapters.IDS), attention_mask=mask, position_ids=pos).logits
    return (out * mask.unsqueeze(-1)).sum()


def gradients(model):
    """d sum(masked logits) / d tensor for every adapter tensor, keyed by its key in adapter_model.safetensors."""
    model.train()  # dropout is the identity at p=0 only: callers pass adapters whose dropout is 0
    model.zero_grad()
    masked_logit_sum(model).backward()
    grads = {}
    for name, p in model.named_parameters():
        if p.grad is not None and (".lora_" in name):
            key = name.replace(".default.weight", ".weight").replace("lora_magnitude_vector.weight",
                                                                     "lora_magnitude_vector")
            grads["grad." + key] = p.grad.detach().clone().contiguous()
    model.eval()
    return grads


def make(out):
    base_dir = peft_adapters.save_base(out)
    for i, (name, kw) in enumerate(CASES.items()):
        torch.manual_seed(10 + i)
        model = get_peft_model(base_model(base_dir), LoraConfig(use_dora=True, init_lora_weights=False, **kw))
        perturb_magnitudes(model, 20 + i)
        model.eval()
        d = os.path.join(out, name)
        model.save_pretrained(d)
        tensors = {"logits": logits(model)}
        if kw.get("lora_dropout", 0) == 0:
            tensors.update(gradients(model))
        model.merge_adapter()
        tensors["merged_logits"] = logits(model)
        model.unmerge_adapter()
        save_file(tensors, os.path.join(d, "oracle.safetensors"))

    torch.manual_seed(30)
    model = get_peft_model(base_model(base_dir), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"],
                                                            init_lora_weights=False), adapter_name="first")
    model.add_adapter("second", LoraConfig(r=3, lora_alpha=6, use_dora=True, init_lora_weights=False,
                                           target_modules=["v_proj", "o_proj"]))
    perturb_magnitudes(model, 31)
    d = os.path.join(out, "mixed")
    model.save_pretrained(d)
    model.base_model.set_adapter(["first", "second"])
    model.eval()
    save_file({"logits": logits(model)}, os.path.join(d, "oracle.safetensors"))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        raise SystemExit("usage: peft_dora.py make OUT_DIR")
