"""all-MiniLM-L6-v2 through onnxruntime's Python API and through transformers' BertModel, for the Java MiniLM test.

Run by the Java tests through PythonOracle (never at run time of the library):

    minilm.py ONNX_FILE TOKENIZER_JSON WEIGHTS OUT_FILE

WEIGHTS is the Java BertModel's state dict (Hugging Face names) after it loaded the ONNX file; loading it into
transformers' BertModel checks both that the Java ONNX-to-Hugging-Face name mapping is right (transformers must
then reproduce onnxruntime) and that the Java forward pass is (the test compares it with both). The sentences are
tokenized here with the Hugging Face tokenizers library. OUT_FILE (safetensors) holds input_ids, attention_mask,
token_type_ids (as float32), onnxruntime and transformers last_hidden_state.
"""
import sys

import numpy as np
import onnxruntime
import torch
import transformers
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Continual learning adds tasks one after another.",
    "Low-rank adapters are small.",
    "A tree of task vectors guides which layers to share between tasks in a sequence of problems.",
]


def main(onnx_file, tokenizer_json, weights, out_file):
    tok = Tokenizer.from_file(tokenizer_json)
    tok.enable_padding()
    enc = tok.encode_batch(SENTENCES)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    types = np.array([e.type_ids for e in enc], dtype=np.int64)
    session = onnxruntime.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    ort_out = session.run(["last_hidden_state"], {i.name: feed[i.name] for i in session.get_inputs()})[0]

    config = transformers.BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                                     intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2,
                                     layer_norm_eps=1e-12, hidden_act="gelu")
    model = transformers.BertModel(config, add_pooling_layer=False).eval()
    state = load_file(weights)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit transformers' BertModel: missing {missing}, unexpected {unexpected}")
    with torch.no_grad():
        hf_out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                       token_type_ids=torch.from_numpy(types)).last_hidden_state
    save_file({
        "input_ids": torch.from_numpy(ids).float(),
        "attention_mask": torch.from_numpy(mask).float(),
        "token_type_ids": torch.from_numpy(types).float(),
        "onnxruntime": torch.from_numpy(ort_out).float().contiguous(),
        "transformers": hf_out.float().contiguous(),
    }, out_file)
    print("onnxruntime", onnxruntime.__version__, "transformers", transformers.__version__,
          "max |ort - transformers|", float(np.abs(ort_out - hf_out.numpy()).max()))


if __name__ == "__main__":
    main(*sys.argv[1:5])
