"""LoRA adapters made, saved and loaded by Hugging Face PEFT itself, for the Java adapter-file tests.

Run by the Java tests through PythonOracle (never at run time of the library):

    peft_adapters.py make OUT_DIR
        OUT_DIR/base/             a tiny Qwen2ForCausalLM (q/k/v biases, tied embeddings) by save_pretrained
        OUT_DIR/inputs.json       the token ids and attention mask every check uses
        OUT_DIR/<case>/           adapters written by PEFT's save_pretrained (non-zero B), each with
                                  oracle.safetensors: PEFT's logits with that adapter active
    peft_adapters.py check BASE_DIR ADAPTER_DIR INPUTS_JSON OUT_FILE
        loads an adapter (for example one the Java code wrote) with PeftModel.from_pretrained and writes its
        logits to OUT_FILE (safetensors, key "logits"), plus the LoraConfig PEFT read, as OUT_FILE + ".json"
"""
import dataclasses
import json
import os
import sys

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file

IDS = [[5, 17, 33, 2, 9, 41, 12, 7], [11, 4, 60, 23, 8, 0, 0, 0]]
MASK = [[1] * 8, [1] * 5 + [0] * 3]


def logits(model):
    mask = torch.tensor(MASK)
    pos = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)  # the Java decoder's convention (transformers' generate)
    with torch.no_grad():
        return model(input_ids=torch.tensor(IDS), attention_mask=mask, position_ids=pos).logits.float().contiguous()


def base_model(base_dir):
    return transformers.AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()


def save_base(out):
    """OUT/base (the tiny Qwen2) and OUT/inputs.json; returns the base directory."""
    torch.manual_seed(0)
    os.makedirs(out, exist_ok=True)
    cfg = transformers.Qwen2Config(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                   tie_word_embeddings=True, initializer_range=0.1)
    base_dir = os.path.join(out, "base")
    transformers.Qwen2ForCausalLM(cfg).save_pretrained(base_dir)
    with open(os.path.join(out, "inputs.json"), "w") as f:
        json.dump({"input_ids": IDS, "attention_mask": MASK}, f)
    return base_dir


def make(out):
    base_dir = save_base(out)

    cases = {
        "plain": dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]),
        "rslora-patterns": dict(r=4, lora_alpha=16, use_rslora=True,
                                target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                                "down_proj"],
                                rank_pattern={"down_proj": 2}, alpha_pattern={"o_proj": 3}),
        "regex": dict(r=2, lora_alpha=4, target_modules=r".*\.(q_proj|up_proj)"),
        "layer1": dict(r=2, lora_alpha=4, target_modules=["q_proj", "up_proj"], layers_to_transform=[1]),
    }
    for name, kw in cases.items():
        torch.manual_seed(1)
        # init_lora_weights=False draws B at random too, so the adapter changes the output.
        model = get_peft_model(base_model(base_dir), LoraConfig(init_lora_weights=False, **kw)).eval()
        d = os.path.join(out, name)
        model.save_pretrained(d)
        save_file({"logits": logits(model)}, os.path.join(d, "oracle.safetensors"))

    # Two adapters in one model: PEFT writes the non-default one in a sub-directory named after it.
    torch.manual_seed(2)
    model = get_peft_model(base_model(base_dir), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj"],
                                                            init_lora_weights=False), adapter_name="first")
    model.add_adapter("second", LoraConfig(r=3, lora_alpha=6, target_modules=["v_proj", "down_proj"],
                                           init_lora_weights=False))
    d = os.path.join(out, "multi")
    model.save_pretrained(d)
    for name in ("first", "second"):
        model.set_adapter(name)
        model.eval()
        save_file({"logits": logits(model)}, os.path.join(d, name, "oracle.safetensors"))
    with open(os.path.join(out, "versions.json"), "w") as f:
        json.dump({"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__}, f)


def check(base_dir, adapter_dir, inputs_json, out_file):
    global IDS, MASK
    with open(inputs_json) as f:
        inputs = json.load(f)
    IDS, MASK = inputs["input_ids"], inputs["attention_mask"]
    model = PeftModel.from_pretrained(base_model(base_dir), adapter_dir).eval()
    save_file({"logits": logits(model)}, out_file)
    config = model.peft_config["default"]
    summary = {k: v for k, v in dataclasses.asdict(config).items()
               if k in ("r", "lora_alpha", "use_rslora", "rank_pattern", "alpha_pattern", "target_modules",
                        "layers_to_transform", "use_dora")}
    if isinstance(summary.get("target_modules"), set):
        summary["target_modules"] = sorted(summary["target_modules"])
    summary["peft"] = peft.__version__
    with open(out_file + ".json", "w") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "check":
        check(*sys.argv[2:6])
    else:
        raise SystemExit("usage: peft_adapters.py make OUT_DIR | check BASE_DIR ADAPTER_DIR INPUTS_JSON OUT_FILE")
