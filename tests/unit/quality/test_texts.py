"""Names, spelling and phrases over the shipped corpus: a clean corpus raises nothing, and the
labelled one is found with measured precision and recall (floors asserted, figures printed)."""

from __future__ import annotations

import pytest

from quality import names, phrases, spelling
from quality.text import TextRules, check
from tests.unit.quality.corpus import load

RULES = TextRules(allowed_words=("Битрикс", "Ромашка"))


def _check(case: dict) -> object:
    return check(case["text"], RULES, first_name=case["first_name"],
                 patronymic=case.get("patronymic", ""))


@pytest.mark.parametrize("case", load("clean"), ids=lambda c: c["text"][:30])
def test_clean_corpus_has_no_false_positives(case: dict) -> None:
    verdict = _check(case)
    assert verdict.misspelled == []
    assert verdict.forbidden == [] and verdict.rejection == []
    assert (verdict.named is not None) == case["named"]


def _counts(cases: list[dict]) -> tuple[int, int, int, int, int, int]:
    tp = fp = fn = ntp = nfp = nfn = 0
    for case in cases:
        verdict = _check(case)
        got, want = set(verdict.misspelled), set(case.get("misspelled", []))
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        named = verdict.named is not None
        ntp += named and case["named"]
        nfp += named and not case["named"]
        nfn += case["named"] and not named
    return tp, fp, fn, ntp, nfp, nfn


def test_labelled_corpus_precision_and_recall() -> None:
    tp, fp, fn, ntp, nfp, nfn = _counts(load("clean") + load("mistakes"))
    spell_p, spell_r = tp / (tp + fp), tp / (tp + fn)
    name_p, name_r = ntp / (ntp + nfp), ntp / (ntp + nfn)
    print(f"spelling P={spell_p:.3f} R={spell_r:.3f} (tp={tp} fp={fp} fn={fn}); "
          f"names P={name_p:.3f} R={name_r:.3f} (tp={ntp} fp={nfp} fn={nfn})")
    assert spell_p >= 0.95 and spell_r >= 0.85
    assert name_p >= 0.95 and name_r >= 0.9


@pytest.mark.parametrize(("text", "first", "patr", "form"), [
    ("Добрый день, Ивану Петровичу отправили счёт", "Иван", "Петрович", "patronymic"),
    ("Благодарим Ивана Петровича за встречу", "Иван", "Петрович", "patronymic"),
    ("Анна Сергеевна, подпишите акт", "Анна", "Сергеевна", "patronymic"),
    ("Саша, добрый день", "Александр", "", "short"),
    ("Отправили Сашей подписанный договор", "Александр", "", "short"),
    ("С Леной договорились на вторник", "Елена", "", "short"),
    ("Передали Елене счёт", "Елена", "", "full"),
    ("Артёму отправили образцы", "Артем", "", "full"),
])
def test_addressed_in_any_case_short_form_and_patronymic(text: str, first: str, patr: str,
                                                          form: str) -> None:
    hit = names.addressed(text, first, patr)
    assert hit is not None and hit.form == form


@pytest.mark.parametrize(("text", "first"), [
    ("надежда на скидку есть", "Надежда"),  # lower case: the word, not the name
    ("Добрый день, Ирина!", "Ольга"),  # someone else's name
    ("Здравствуйте!", "Анна"),
])
def test_not_addressed(text: str, first: str) -> None:
    assert names.addressed(text, first) is None


def test_company_vocabulary_is_allowed() -> None:
    text = "Внедрим Сейлзгард и Контролпро до пятницы"
    assert spelling.misspelled(text) == ["Сейлзгард", "Контролпро"]
    assert spelling.misspelled(text, ["сейлзгард", "КонтролПро"]) == []


def test_phrases_match_with_yo_spacing_and_word_starts() -> None:
    assert phrases.found("Клиент НЕ БЕРЁТ\n трубку!", ["не берет трубку"]) == ["не берет трубку"]
    assert phrases.found("схлам и прочее", ["хлам"]) == []
    assert phrases.found("anything", []) == []
