#!/usr/bin/python3
"""Writes tiny LLaMA-family checkpoints and reference outputs for the Java decoder tests.

Run with Debian's python3-torch (no Hugging Face transformers needed):

    /usr/bin/python3 treelora-djl/src/test/python/make_llama_fixture.py treelora-djl/src/test/resources/fixtures

For each fixture directory (llama-gqa-llama3rope, qwen2-bias-tied) it writes:
  config.json          Hugging Face style config
  model.safetensors    random float32 weights under Hugging Face key names
  reference.json       inputs (ids, attention masks, labels), expected loss, greedy generations
  reference.safetensors expected logits per case (float32)

The forward pass below is an independent re-implementation, in float64 PyTorch, of the equations of
Hugging Face transformers' modeling_llama.py / modeling_qwen2.py / modeling_rope_utils.py (v4.4x).
Equations are quoted in the comments. Nothing here is shared with the Java code under test.
"""
import json
import math
import os
import struct
import sys

import torch

F64 = torch.float64


# ----------------------------------------------------------------------------------------------
# safetensors writer (format: u64 little-endian header size, JSON header, raw little-endian data)
# ----------------------------------------------------------------------------------------------
def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if t.dtype == torch.float32:
            dtype = "F32"
        elif t.dtype == torch.int64:
            dtype = "I64"
        else:
            raise ValueError("unsupported dtype %s for %s" % (t.dtype, name))
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)  # the format allows space padding to align data
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------
# Reference forward (float64)
# ----------------------------------------------------------------------------------------------
def rms_norm(x, weight, eps):
    # LlamaRMSNorm.forward:
    #   variance = hidden_states.pow(2).mean(-1, keepdim=True)
    #   hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
    #   return self.weight * hidden_states
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def inv_freq_for(cfg, head_dim):
    # _compute_default_rope_parameters:
    #   inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
    base = cfg["rope_theta"]
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=F64) / head_dim))
    rs = cfg.get("rope_scaling")
    if rs is None:
        return inv_freq
    assert rs["rope_type"] == "llama3"
    # _compute_llama3_parameters:
    #   low_freq_wavelen = old_context_len / low_freq_factor
    #   high_freq_wavelen = old_context_len / high_freq_factor
    #   wavelen = 2 * math.pi / inv_freq
    #   inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    #   smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    #   smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    #   is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    #   inv_freq_llama = torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    factor = rs["factor"]
    low = rs["low_freq_factor"]
    high = rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    low_wl = old / low
    high_wl = old / high
    wavelen = 2 * math.pi / inv_freq
    out = torch.where(wavelen > low_wl, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = (~(wavelen < high_wl)) & (~(wavelen > low_wl))
    return torch.where(medium, smoothed, out)


def rotate_half(x):
    # rotate_half: x1 = x[..., : d/2]; x2 = x[..., d/2 :]; return cat((-x2, x1), dim=-1)
    d = x.shape[-1] // 2
    return torch.cat((-x[..., d:], x[..., :d]), dim=-1)


def forward(cfg, w, input_ids, attention_mask):
    """Logits [B, T, V] in float64 for a batch, with position ids derived from the padding mask."""
    B, T = input_ids.shape
    H = cfg["num_attention_heads"]
    KV = cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    g = {k: v.to(F64) for k, v in w.items()}

    # position ids as in GenerationMixin.prepare_inputs_for_generation:
    #   position_ids = attention_mask.long().cumsum(-1) - 1; position_ids.masked_fill_(attention_mask == 0, 1)
    pos = attention_mask.long().cumsum(-1) - 1
    pos = pos.masked_fill(attention_mask == 0, 1)

    # LlamaRotaryEmbedding.forward: freqs = (inv_freq[None, :, None] @ position_ids[:, None, :]).transpose(1, 2)
    #   emb = torch.cat((freqs, freqs), dim=-1); cos = emb.cos(); sin = emb.sin()   (attention_scaling = 1)
    inv = inv_freq_for(cfg, D)
    freqs = pos.to(F64)[:, :, None] * inv[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = emb.cos()[:, None, :, :]
    sin = emb.sin()[:, None, :, :]

    # 4-D mask (_prepare_4d_causal_attention_mask_with_cache_position): min_dtype where the key is in the
    # future or is padding, 0 elsewhere; added to the scores before softmax.
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None, None, :, :] & attention_mask.bool()[:, None, None, :]
    min_value = torch.finfo(F64).min
    add_mask = torch.zeros(B, 1, T, T, dtype=F64).masked_fill(~allowed, min_value)

    def linear(x, prefix):
        # nn.Linear: y = x W^T + b
        y = x @ g[prefix + ".weight"].T
        if prefix + ".bias" in g:
            y = y + g[prefix + ".bias"]
        return y

    # LlamaModel.forward: inputs_embeds = self.embed_tokens(input_ids)
    h = g["model.embed_tokens.weight"][input_ids]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        # LlamaDecoderLayer.forward:
        #   residual = hidden_states; hidden_states = self.input_layernorm(hidden_states)
        #   hidden_states = self.self_attn(...); hidden_states = residual + hidden_states
        #   residual = hidden_states; hidden_states = self.post_attention_layernorm(hidden_states)
        #   hidden_states = self.mlp(hidden_states); hidden_states = residual + hidden_states
        x = rms_norm(h, g[p + "input_layernorm.weight"], eps)
        # LlamaAttention.forward:
        #   q = q_proj(x).view(B, T, -1, head_dim).transpose(1, 2)  (same for k, v)
        #   q, k = apply_rotary_pos_emb(q, k, cos, sin): q_embed = (q * cos) + (rotate_half(q) * sin)
        #   k = repeat_kv(k, n_rep); v = repeat_kv(v, n_rep)
        #   attn_weights = q @ k.transpose(2, 3) * scaling + causal_mask   (scaling = head_dim ** -0.5)
        #   attn_weights = softmax(attn_weights, dim=-1); attn_output = attn_weights @ v
        #   attn_output = attn_output.transpose(1, 2).reshape(B, T, -1); o_proj(attn_output)
        q = linear(x, p + "self_attn.q_proj").view(B, T, H, D).transpose(1, 2)
        k = linear(x, p + "self_attn.k_proj").view(B, T, KV, D).transpose(1, 2)
        v = linear(x, p + "self_attn.v_proj").view(B, T, KV, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # repeat_kv: (B, KV, T, D) -> (B, KV * n_rep, T, D), each kv head repeated n_rep times consecutively
        n_rep = H // KV
        k = k[:, :, None, :, :].expand(B, KV, n_rep, T, D).reshape(B, H, T, D)
        v = v[:, :, None, :, :].expand(B, KV, n_rep, T, D).reshape(B, H, T, D)
        scores = q @ k.transpose(2, 3) * (D ** -0.5) + add_mask
        probs = torch.softmax(scores, dim=-1)
        a = (probs @ v).transpose(1, 2).reshape(B, T, H * D)
        h = h + linear(a, p + "self_attn.o_proj")
        x = rms_norm(h, g[p + "post_attention_layernorm.weight"], eps)
        # LlamaMLP.forward: down_proj(act_fn(gate_proj(x)) * up_proj(x)), act_fn = silu(x) = x * sigmoid(x)
        gate = linear(x, p + "mlp.gate_proj")
        up = linear(x, p + "mlp.up_proj")
        h = h + linear(gate * torch.sigmoid(gate) * up, p + "mlp.down_proj")
    h = rms_norm(h, g["model.norm.weight"], eps)
    # LlamaForCausalLM: logits = lm_head(hidden_states); with tie_word_embeddings lm_head.weight is
    # embed_tokens.weight.
    head = g["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else g["lm_head.weight"]
    return h @ head.T


def causal_lm_loss(logits, labels):
    # LlamaForCausalLM loss (ForCausalLMLoss): shift_logits = logits[..., :-1, :]; shift_labels = labels[..., 1:]
    #   cross_entropy(shift_logits, shift_labels, ignore_index=-100, reduction="mean")
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1])
    shift_labels = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=-100).item()


def greedy(cfg, w, prompt, new_tokens):
    """Greedy decoding by full recomputation each step (no cache); returns new tokens and per-step logits."""
    ids = list(prompt)
    out = []
    step_logits = []
    for _ in range(new_tokens):
        t = torch.tensor([ids])
        logits = forward(cfg, w, t, torch.ones_like(t))[0, -1]
        top2 = torch.topk(logits, 2).values
        assert (top2[0] - top2[1]).item() > 1e-3, "argmax too close to a tie for a stable fixture"
        nxt = int(torch.argmax(logits))
        step_logits.append(logits.float())
        out.append(nxt)
        ids.append(nxt)
    return out, torch.stack(step_logits)


# ----------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------
def random_weights(cfg, gen):
    V = cfg["vocab_size"]
    Hd = cfg["hidden_size"]
    I = cfg["intermediate_size"]
    H = cfg["num_attention_heads"]
    KV = cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or Hd // H
    bias = cfg.get("attention_bias", False) or cfg["model_type"] == "qwen2"

    def rn(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    def norm_w():
        return 1.0 + rn(Hd, std=0.1)

    # A tied head reuses the embedding as output projection: keep it smaller so logits stay O(1).
    w = {"model.embed_tokens.weight": rn(V, Hd, std=0.3 if cfg["tie_word_embeddings"] else 1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = norm_w()
        w[p + "post_attention_layernorm.weight"] = norm_w()
        w[p + "self_attn.q_proj.weight"] = rn(H * D, Hd, std=Hd ** -0.5)
        w[p + "self_attn.k_proj.weight"] = rn(KV * D, Hd, std=Hd ** -0.5)
        w[p + "self_attn.v_proj.weight"] = rn(KV * D, Hd, std=Hd ** -0.5)
        w[p + "self_attn.o_proj.weight"] = rn(Hd, H * D, std=(H * D) ** -0.5)
        if bias:
            for n, rows in (("q_proj", H * D), ("k_proj", KV * D), ("v_proj", KV * D)):
                w[p + "self_attn.%s.bias" % n] = rn(rows, std=0.2)
        w[p + "mlp.gate_proj.weight"] = rn(I, Hd, std=Hd ** -0.5)
        w[p + "mlp.up_proj.weight"] = rn(I, Hd, std=Hd ** -0.5)
        w[p + "mlp.down_proj.weight"] = rn(Hd, I, std=I ** -0.5)
    w["model.norm.weight"] = norm_w()
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = rn(V, Hd, std=Hd ** -0.5)
    return w


def make_fixture(out_dir, cfg, seed, gen_prompt):
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    w = random_weights(cfg, gen)
    V = cfg["vocab_size"]

    # case 0: one unpadded sequence; case 1: a left-padded batch (row 0 padded 3, row 1 full);
    # case 2: a right-padded batch.
    seq = torch.randint(0, V, (1, 9), generator=gen)
    batch = torch.randint(0, V, (2, 8), generator=gen)
    left_mask = torch.tensor([[0, 0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]])
    right_mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]])
    cases = [("single", seq, torch.ones_like(seq)), ("left_padded", batch, left_mask),
             ("right_padded", batch, right_mask)]

    ref_tensors = {}
    ref = {"cases": []}
    for name, ids, mask in cases:
        logits = forward(cfg, w, ids, mask)
        ref_tensors[name + ".logits"] = logits.float()
        ref["cases"].append({"name": name, "input_ids": ids.tolist(), "attention_mask": mask.tolist()})
        print("%s %s: logits std %.3f" % (out_dir, name, logits[mask.bool()].std().item()))

    # Self-check of the reference: padding must not change the logits of real tokens.
    full = forward(cfg, w, batch[:1, 3:], torch.ones_like(batch[:1, 3:]))
    left = forward(cfg, w, batch, left_mask)[:1, 3:]
    right = forward(cfg, w, batch[:1, :5], torch.ones_like(batch[:1, :5]))
    assert torch.allclose(full, left, atol=1e-9)
    assert torch.allclose(right, forward(cfg, w, batch, right_mask)[:1, :5], atol=1e-9)

    # Loss: right-padded batch, prompt = first 2 tokens of each row, padding ignored (labels = -100).
    ids, mask = batch, right_mask
    labels = ids.clone()
    labels[:, :2] = -100
    labels[mask == 0] = -100
    loss = causal_lm_loss(forward(cfg, w, ids, mask), labels)
    ref["loss"] = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist(),
                   "loss": loss}

    tokens, step_logits = greedy(cfg, w, gen_prompt, 6)
    ref["generation"] = {"prompt": gen_prompt, "max_new_tokens": 6, "tokens": tokens}
    ref_tensors["generation.step_logits"] = step_logits

    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), w)
    write_safetensors(os.path.join(out_dir, "reference.safetensors"), ref_tensors)


LLAMA = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 96,
    "hidden_size": 48,
    "intermediate_size": 80,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,  # differs from hidden_size / heads on purpose
    "rms_norm_eps": 1e-5,
    "rope_theta": 500000.0,
    # With head_dim 16 the wavelengths are 6.3, 32, 167, ... so all three llama3 branches are used.
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 64},
    "max_position_embeddings": 512,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "hidden_act": "silu",
    "torch_dtype": "float32",
}

QWEN2 = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "vocab_size": 80,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0,
    "rope_scaling": None,
    "max_position_embeddings": 256,
    "tie_word_embeddings": True,
    "hidden_act": "silu",
    "use_sliding_window": False,
    "torch_dtype": "float32",
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "treelora-djl/src/test/resources/fixtures"
    torch.manual_seed(0)
    make_fixture(os.path.join(out, "llama-gqa-llama3rope"), LLAMA, 1234, [5, 17, 3, 42])
    make_fixture(os.path.join(out, "qwen2-bias-tied"), QWEN2, 4321, [7, 1, 60])


if __name__ == "__main__":
    main()
