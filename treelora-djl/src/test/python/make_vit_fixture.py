#!/usr/bin/python3
"""Writes the tiny ViT golden fixture used by ViTGoldenTest (run with Debian's /usr/bin/python3).

A randomly initialised torchvision VisionTransformer is the independent reference. Its state dict is renamed
to Hugging Face ViTForImageClassification names and written as float32 safetensors (model.safetensors), so the
directory is a Hugging Face checkpoint (with config.json); input images and torchvision's logits go to
io.safetensors.

torchvision -> Hugging Face name mapping (i = layer index):
  class_token                                     -> vit.embeddings.cls_token
  conv_proj.{weight,bias}                         -> vit.embeddings.patch_embeddings.projection.{weight,bias}
  encoder.pos_embedding                           -> vit.embeddings.position_embeddings
  encoder.layers.encoder_layer_i.ln_1             -> vit.encoder.layer.i.layernorm_before
  encoder.layers.encoder_layer_i.self_attention.in_proj_{weight,bias}
        rows [0:D), [D:2D), [2D:3D)               -> vit.encoder.layer.i.attention.attention.{query,key,value}
  encoder.layers.encoder_layer_i.self_attention.out_proj -> vit.encoder.layer.i.attention.output.dense
  encoder.layers.encoder_layer_i.ln_2             -> vit.encoder.layer.i.layernorm_after
  encoder.layers.encoder_layer_i.mlp.0            -> vit.encoder.layer.i.intermediate.dense
  encoder.layers.encoder_layer_i.mlp.3            -> vit.encoder.layer.i.output.dense
  encoder.ln                                      -> vit.layernorm
  heads.head                                      -> classifier
torchvision's LayerNorm eps is 1e-6 (HF's default is 1e-12), so config.json says layer_norm_eps = 1e-6.

A second set of logits runs the same weights on larger images (48 px instead of 32): the patch position
embeddings are resized with torch's bicubic interpolation (align_corners=False), as Hugging Face's
interpolate_pos_encoding does, and loaded into a torchvision ViT built for 48 px.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from torchvision.models.vision_transformer import VisionTransformer

from make_llama_fixture import write_safetensors

IMAGE, PATCH, LAYERS, HEADS, HIDDEN, MLP, CLASSES = 32, 8, 2, 4, 48, 96, 5
BIG_IMAGE = 48
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "vit-tiny")


def build(image_size):
    return VisionTransformer(image_size=image_size, patch_size=PATCH, num_layers=LAYERS, num_heads=HEADS,
                             hidden_dim=HIDDEN, mlp_dim=MLP, num_classes=CLASSES).eval()


def to_hf(sd):
    hf = {}

    def put(name, t):
        hf[name] = t.detach().clone().contiguous()

    put("vit.embeddings.cls_token", sd["class_token"])
    put("vit.embeddings.position_embeddings", sd["encoder.pos_embedding"])
    for p in ("weight", "bias"):
        put("vit.embeddings.patch_embeddings.projection." + p, sd["conv_proj." + p])
        put("vit.layernorm." + p, sd["encoder.ln." + p])
        put("classifier." + p, sd["heads.head." + p])
    for i in range(LAYERS):
        src = "encoder.layers.encoder_layer_%d." % i
        dst = "vit.encoder.layer.%d." % i
        for p in ("weight", "bias"):
            put(dst + "layernorm_before." + p, sd[src + "ln_1." + p])
            put(dst + "layernorm_after." + p, sd[src + "ln_2." + p])
            packed = sd[src + "self_attention.in_proj_" + p]
            for j, name in enumerate(("query", "key", "value")):
                put(dst + "attention.attention." + name + "." + p, packed[j * HIDDEN:(j + 1) * HIDDEN])
            put(dst + "attention.output.dense." + p, sd[src + "self_attention.out_proj." + p])
            put(dst + "intermediate.dense." + p, sd[src + "mlp.0." + p])
            put(dst + "output.dense." + p, sd[src + "mlp.3." + p])
    assert sum(t.numel() for t in hf.values()) == sum(t.numel() for t in sd.values()), "mapping lost a tensor"
    return hf


def main():
    torch.manual_seed(20250601)
    model = build(IMAGE)
    with torch.no_grad():
        # torchvision zero-initialises the head and cls token; randomise everything so each weight matters.
        for name, p in model.named_parameters():
            if ".ln" in name or name.startswith("encoder.ln"):
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
    sd = model.state_dict()
    hf = to_hf(sd)
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, "model.safetensors"), {k: v.to(torch.float32) for k, v in hf.items()})

    images = torch.randn(2, 3, IMAGE, IMAGE)
    big_images = torch.randn(2, 3, BIG_IMAGE, BIG_IMAGE)
    with torch.no_grad():
        logits = model(images)
        grid, big_grid = IMAGE // PATCH, BIG_IMAGE // PATCH
        pos = sd["encoder.pos_embedding"]
        patch_pos = pos[:, 1:].reshape(1, grid, grid, HIDDEN).permute(0, 3, 1, 2)
        patch_pos = F.interpolate(patch_pos, size=(big_grid, big_grid), mode="bicubic", align_corners=False)
        patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, big_grid * big_grid, HIDDEN)
        big = build(BIG_IMAGE)
        big_sd = dict(sd)
        big_sd["encoder.pos_embedding"] = torch.cat([pos[:, :1], patch_pos], dim=1)
        big.load_state_dict(big_sd)
        big_logits = big(big_images)
    write_safetensors(os.path.join(OUT, "io.safetensors"), {"images": images, "logits": logits,
                                            "big_images": big_images, "big_logits": big_logits})

    config = {
        "architectures": ["ViTForImageClassification"], "model_type": "vit",
        "image_size": IMAGE, "patch_size": PATCH, "num_channels": 3, "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": MLP,
        "hidden_act": "gelu", "layer_norm_eps": 1e-6, "qkv_bias": True,
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
        "id2label": {str(i): "class_%d" % i for i in range(CLASSES)},
        "label2id": {"class_%d" % i: i for i in range(CLASSES)},
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print("wrote", OUT, "logits[0] =", logits[0].tolist())


if __name__ == "__main__":
    main()
