"""Communication checks over 10 000 manager messages: names, spelling, phrases (target < 10 s).

    python -m bench.comm_texts [--messages 10000] [--typo-share 0.3]

The messages are built from the tests' Russian corpus and sales phrases with random names,
numbers and random one-letter typos (each typo is a new word, so the cache cannot hide the
dictionary). Loading pymorphy3 and Hunspell is timed apart: it happens once per process.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from quality import morph, spelling
from quality.diminutives import SHORT
from quality.text import TextRules, check

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "comm"
LETTERS = "абвгдежзийклмнопрстуфхцчшщыьэюя"
TAILS = ("Счёт на {n} рублей во вложении.", "Перезвоню в {n} часов.",
         "Скидка {n} процентов до конца месяца.", "Доставим за {n} дня.",
         "Номер заказа {n}, договор подпишем завтра.")


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[:i] + rng.choice(LETTERS) + word[i + 1:]


def messages(count: int, typo_share: float, seed: int = 7) -> list[tuple[str, str]]:
    """(text, client's first name) pairs, deterministic for a seed."""
    rng = random.Random(seed)
    base = [c["text"] for f in ("clean", "mistakes")
            for c in json.loads((CORPUS / f"{f}.json").read_text(encoding="utf-8"))]
    first = [n.capitalize() for n in SHORT]
    out = []
    for _ in range(count):
        words = rng.choice(base).split()
        if rng.random() < typo_share:
            j = rng.randrange(len(words))
            if len(words[j]) > 3:
                words[j] = _typo(words[j], rng)
        text = " ".join(words) + " " + rng.choice(TAILS).format(n=rng.randrange(2, 99_999))
        out.append((text, rng.choice(first)))
    return out


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--typo-share", type=float, default=0.3)
    args = parser.parse_args(argv)
    batch = messages(args.messages, args.typo_share)
    started = time.perf_counter()
    morph.analyzer(), spelling.dictionary()
    loaded = time.perf_counter()
    rules, flagged = TextRules(allowed_words=("Битрикс",)), 0
    for text, name in batch:
        flagged += bool(check(text, rules, first_name=name).misspelled)
    done = time.perf_counter()
    result = {"messages": args.messages, "load_s": loaded - started, "check_s": done - loaded,
              "total_s": done - started, "flagged": flagged,
              "distinct_words": spelling._correct.cache_info().currsize}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
