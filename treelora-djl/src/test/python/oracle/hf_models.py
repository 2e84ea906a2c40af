"""Tiny checkpoints made by Hugging Face transformers itself, with transformers' own outputs, for the Java tests.

Run by the Java tests through PythonOracle (never at run time of the library):

    .venv-oracle/bin/python treelora-djl/src/test/python/oracle/hf_models.py OUT_DIR

For every case it writes OUT_DIR/<case>/ holding
  config.json, model.safetensors  written by transformers' save_pretrained (float32, float16 or bfloat16)
  oracle.json                      inputs of every check, what to compare and how
  oracle.safetensors               transformers' outputs (float32)

Half-precision checkpoints are compared against transformers run in float32 on the same rounded weights
(from_pretrained(..., dtype=float32)), which is what the Java loader computes.
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

torch.manual_seed(0)
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}

# Padded batches use right and left padding; the Java decoder numbers positions as cumsum(mask) - 1 (the
# convention of transformers' generate), so the same position_ids are passed to transformers here.
LM_IDS = [[5, 17, 33, 2, 9, 41, 12, 7, 3, 28], [11, 4, 60, 23, 8, 0, 0, 0, 0, 0], [0, 0, 0, 14, 51, 6, 19, 30, 2, 45]]
LM_MASK = [[1] * 10, [1] * 5 + [0] * 5, [0] * 3 + [1] * 7]
PROMPT = [3, 14, 15, 9, 26]


def lm_position_ids(mask):
    m = torch.tensor(mask)
    pos = m.cumsum(-1) - 1
    return pos.masked_fill(m == 0, 1)


def save(model, out, name, dtype_key, config_edit=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    model.to(DTYPES[dtype_key]).save_pretrained(d)
    model.to(torch.float32)
    if config_edit is not None:
        path = os.path.join(d, "config.json")
        with open(path) as f:
            cfg = json.load(f)
        config_edit(cfg)
        with open(path, "w") as f:
            json.dump(cfg, f, indent=2)
    return d


def write_oracle(d, meta, tensors):
    save_file({k: v.detach().to(torch.float32).contiguous() for k, v in tensors.items()},
              os.path.join(d, "oracle.safetensors"))
    meta["transformers"] = transformers.__version__
    meta["torch"] = torch.__version__
    with open(os.path.join(d, "oracle.json"), "w") as f:
        json.dump(meta, f, indent=2)


def causal_lm(out, name, cls, config, dtype_key, generate=False, seq=None, config_edit=None):
    model = cls(config).eval()
    d = save(model, out, name, dtype_key, config_edit)
    ref = cls.from_pretrained(d, dtype=torch.float32).eval()
    ids = torch.tensor(LM_IDS)[:, :seq] if seq else torch.tensor(LM_IDS)
    mask = torch.tensor(LM_MASK)[:, :seq] if seq else torch.tensor(LM_MASK)
    with torch.no_grad():
        logits = ref(input_ids=ids, attention_mask=mask, position_ids=lm_position_ids(mask.tolist())).logits
    meta = {"kind": "causal_lm", "input_ids": ids.tolist(), "attention_mask": mask.tolist()}
    tensors = {"logits": logits}
    if generate:
        with torch.no_grad():
            gen = ref.generate(torch.tensor([PROMPT]), max_new_tokens=8, do_sample=False, eos_token_id=None,
                               pad_token_id=0, min_new_tokens=8)
        meta["prompt"] = PROMPT
        meta["greedy"] = gen[0, len(PROMPT):].tolist()
    write_oracle(d, meta, tensors)
    return d


def llama_config(**kw):
    base = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=128, initializer_range=0.1, rms_norm_eps=1e-5)
    base.update(kw)
    return base


def to_v4_layout(cfg):
    """transformers 4.x wrote rope_theta at the top level and the scaling (if any) as rope_scaling."""
    params = cfg.pop("rope_parameters")
    cfg["rope_theta"] = params.pop("rope_theta")
    cfg["rope_scaling"] = None if params.get("rope_type") == "default" else params
    cfg["transformers_version"] = "4.48.0"


def main(out):
    os.makedirs(out, exist_ok=True)
    T = transformers
    llama3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 16, "rope_theta": 500000.0}
    for dt in DTYPES:
        torch.manual_seed(1)
        causal_lm(out, "llama-gqa-" + dt, T.LlamaForCausalLM, T.LlamaConfig(**llama_config()), dt,
                  generate=dt == "f32")
        torch.manual_seed(2)
        causal_lm(out, "qwen2-bias-tied-" + dt, T.Qwen2ForCausalLM,
                  T.Qwen2Config(**llama_config(tie_word_embeddings=True)), dt, generate=dt == "f32")
    torch.manual_seed(3)
    causal_lm(out, "llama-llama3rope-f32", T.LlamaForCausalLM,
              T.LlamaConfig(**llama_config(rope_parameters=dict(llama3))), "f32", generate=True)
    # The same model written in transformers 4.x's config layout (the weights are identical).
    torch.manual_seed(3)
    causal_lm(out, "llama-llama3rope-v4config-f32", T.LlamaForCausalLM,
              T.LlamaConfig(**llama_config(rope_parameters=dict(llama3))), "f32", config_edit=to_v4_layout)
    torch.manual_seed(4)
    causal_lm(out, "llama-theta-bias-f32", T.LlamaForCausalLM,
              T.LlamaConfig(**llama_config(rope_parameters={"rope_type": "default", "rope_theta": 1000.0},
                                           attention_bias=True, mlp_bias=True)), "f32")
    # Mistral with a sliding window of 8: sequences up to the window are exact; longer ones are refused in Java.
    torch.manual_seed(5)
    causal_lm(out, "mistral-window8-f32", T.MistralForCausalLM, T.MistralConfig(**llama_config(sliding_window=8)),
              "f32", seq=8, generate=False)
    # Gemma: GELU-tanh MLP, (1 + weight) RMS norms, embeddings scaled by sqrt(hidden), tied; with attention biases.
    for dt in ("f32", "bf16"):
        torch.manual_seed(10)
        causal_lm(out, "gemma-" + dt, T.GemmaForCausalLM,
                  T.GemmaConfig(**llama_config(head_dim=8, attention_bias=True)), dt, generate=dt == "f32")
    # Configs whose computation the Java decoder does not implement: written to be refused, no outputs.
    for name, edit in {
        "llama-linear-rope": {"rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 10000.0}},
        "llama-yarn-rope": {"rope_parameters": {"rope_type": "yarn", "factor": 4.0, "rope_theta": 10000.0,
                                                "original_max_position_embeddings": 32}},
    }.items():
        torch.manual_seed(6)
        save(T.LlamaForCausalLM(T.LlamaConfig(**llama_config(**edit))), out, name, "f32")

    # Gemma 2 (soft-capping, alternating sliding windows) is another model_type the decoder does not compute.
    torch.manual_seed(11)
    save(T.Gemma2ForCausalLM(T.Gemma2Config(**llama_config(head_dim=8))), out, "gemma2-refused", "f32")

    pixels = torch.randn(2, 3, 16, 16)
    for dt in DTYPES:
        torch.manual_seed(7)
        cfg = T.ViTConfig(image_size=16, patch_size=4, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                          intermediate_size=48, initializer_range=0.1)
        d = save(T.ViTModel(cfg, add_pooling_layer=False).eval(), out, "vit-" + dt, dt)
        ref = T.ViTModel.from_pretrained(d, dtype=torch.float32, add_pooling_layer=False).eval()
        with torch.no_grad():
            hidden = ref(pixel_values=pixels).last_hidden_state
        write_oracle(d, {"kind": "vit", "pixel_shape": list(pixels.shape)},
                     {"pixel_values": pixels, "last_hidden_state": hidden})
    torch.manual_seed(8)
    cfg = T.ViTConfig(image_size=16, patch_size=4, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=48, initializer_range=0.1, num_labels=5)
    d = save(T.ViTForImageClassification(cfg).eval(), out, "vit-classifier-f32", "f32")
    ref = T.ViTForImageClassification.from_pretrained(d, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = ref(pixel_values=pixels).logits
    write_oracle(d, {"kind": "vit_classifier", "pixel_shape": list(pixels.shape)},
                 {"pixel_values": pixels, "logits": logits})
    # The same model as a state dict saved directly: transformers 5.x's in-memory module names
    # (layers.N.attention.q_proj, mlp.fc1, ...), where save_pretrained writes the 4.x names.
    d5 = os.path.join(out, "vit-classifier-v5names-f32")
    os.makedirs(d5)
    state = {k: v.contiguous() for k, v in ref.state_dict().items()}
    assert any(".layers.0.attention.q_proj." in k for k in state), "expected transformers 5.x module names"
    save_file(state, os.path.join(d5, "model.safetensors"))
    with open(os.path.join(d, "config.json")) as f, open(os.path.join(d5, "config.json"), "w") as g:
        g.write(f.read())
    write_oracle(d5, {"kind": "vit_classifier", "pixel_shape": list(pixels.shape)},
                 {"pixel_values": pixels, "logits": logits})

    bert_ids = [[2, 17, 33, 9, 41, 12, 3], [2, 11, 4, 3, 0, 0, 0]]
    bert_mask = [[1] * 7, [1] * 4 + [0] * 3]
    bert_types = [[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0]]
    for dt in DTYPES:
        torch.manual_seed(9)
        cfg = T.BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=48, max_position_embeddings=32, initializer_range=0.1)
        d = save(T.BertModel(cfg, add_pooling_layer=False).eval(), out, "bert-" + dt, dt)
        ref = T.BertModel.from_pretrained(d, dtype=torch.float32, add_pooling_layer=False).eval()
        with torch.no_grad():
            hidden = ref(input_ids=torch.tensor(bert_ids), attention_mask=torch.tensor(bert_mask),
                         token_type_ids=torch.tensor(bert_types)).last_hidden_state
        write_oracle(d, {"kind": "bert", "input_ids": bert_ids, "attention_mask": bert_mask,
                         "token_type_ids": bert_types}, {"last_hidden_state": hidden})


if __name__ == "__main__":
    main(sys.argv[1])
