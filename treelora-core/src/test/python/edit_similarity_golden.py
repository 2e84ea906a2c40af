"""Writes the golden edit similarities that TextMetricsTest checks, computed with rapidfuzz's fuzz.ratio
(the normalized InDel similarity that fuzzywuzzy's fuzz.ratio returns before rounding when python-Levenshtein
is installed), divided by 100.

    .venv-oracle/bin/pip install rapidfuzz==3.14.6
    .venv-oracle/bin/python treelora-core/src/test/python/edit_similarity_golden.py \
        > treelora-core/src/test/resources/metrics/edit-similarity-golden.json
"""
import json
import random

import rapidfuzz
from rapidfuzz import fuzz

PAIRS = [
    ("", ""),
    ("", "abc"),
    ("abc", "abc"),
    ("abc", "abd"),
    ("kitten", "sitting"),
    ("return self.value", "return self.values"),
    ("for i in range(10):", "for j in range(len(x)):"),
    ("import os", "from os import path"),
    ("self.assertEqual(a, b)", "assert a == b"),
    ("Größe über alles", "grosse uber alles"),
    ("def __init__(self, name):", "def __init__(self, name, value=None):"),
]


def main():
    rnd = random.Random(13)
    alphabet = "abc de(f)_=.:"
    pairs = list(PAIRS)
    for _ in range(20):
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        pairs.append((a, b))
    cases = [{"prediction": a, "reference": b, "similarity": fuzz.ratio(a, b) / 100.0} for a, b in pairs]
    print(json.dumps({"generator": "rapidfuzz " + rapidfuzz.__version__ + " fuzz.ratio / 100", "cases": cases},
                     indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
