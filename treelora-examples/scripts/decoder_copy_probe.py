#!/usr/bin/env python3
"""Can a self-pretrained decoder copy? Measured with Hugging Face transformers, independently of the project's code.

Not run by CI. The trace-offline tasks that rewrite or complete their prompt (simplify, lemma, code, arithmetic)
need a decoder that can repeat a word from its context. This probe writes each held-out gloss of a decoder directory
(held-out-glosses.txt, never seen in pretraining) twice, its first 12 tokens as `<s> span span`, and reports how
often the decoder's greedy next-token prediction is right inside the second copy (the copy's first token, which
nothing announces, is not counted). A decoder that only predicts likely text scores what a language model guesses
from the first copy's words; one that copies scores near 1. It also reports the same in the trace-offline tasks'
prompt/answer layout, `<s> span <sep> span` (every token of the second copy counted: the separator announces it),
which `pretrain-decoder --echo-documents` trains.

Run it with the project's oracle environment (transformers and tokenizers from the wheel mirror):

Usage: .venv-oracle/bin/python treelora-examples/scripts/decoder_copy_probe.py DECODER_DIR [DECODER_DIR ...]
Prints one line per directory: spans, counted tokens, the copy token accuracy and the echo (`<sep>` layout) one.
"""

import sys

import torch
from tokenizers import Tokenizer
from transformers import LlamaForCausalLM

SPAN_TOKENS = 12
MIN_SPAN_TOKENS = 6


def probe(directory):
    tok = Tokenizer.from_file(directory + "/tokenizer.json")
    bos = tok.get_vocab()["<s>"]
    sep = tok.get_vocab()["<sep>"]
    model = LlamaForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    with open(directory + "/held-out-glosses.txt", encoding="utf-8") as f:
        glosses = [line.strip() for line in f if line.strip()]
    hits = counted = spans = echo_hits = echo_counted = 0
    for gloss in glosses:
        ids = tok.encode(gloss, add_special_tokens=False).ids[:SPAN_TOKENS]
        n = len(ids)
        if n < MIN_SPAN_TOKENS:
            continue
        with torch.no_grad():
            predicted = model(input_ids=torch.tensor([[bos] + ids + ids])).logits[0].argmax(-1)
        # position 1 + n + k - 1 holds the prediction of the second copy's token k
        for k in range(1, n):
            hits += int(predicted[n + k].item() == ids[k])
            counted += 1
        with torch.no_grad():
            predicted = model(input_ids=torch.tensor([[bos] + ids + [sep] + ids])).logits[0].argmax(-1)
        # position 1 + n + k holds the prediction of the second copy's token k (position 1 + n is the separator)
        for k in range(n):
            echo_hits += int(predicted[1 + n + k].item() == ids[k])
            echo_counted += 1
        spans += 1
    return spans, counted, hits / counted, echo_hits / echo_counted


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    for directory in sys.argv[1:]:
        spans, counted, accuracy, echo = probe(directory)
        print(f"{directory}: {spans} spans, {counted} tokens, copy token accuracy {accuracy:.3f}, "
              f"echo token accuracy ({spans} more tokens) {echo:.3f}")


if __name__ == "__main__":
    main()
