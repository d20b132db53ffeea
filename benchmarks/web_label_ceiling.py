"""How far can dropping labels go on web alt-text? Options and a learned filter, on the dev rows.

Issue 13 asks for precision 0.70 while finding 0.75 of the correct labels on the blind LAION audit
(``web_label_quality.py``). The rules developed so far stand at 0.658 / 0.782 there and 0.709 on the
600 development rows (the rows the audit does not use; all their labels are judged in
``data/web_audit/dev_judgments.jsonl``). This script measures, on the development rows only, ways
of going further that need no new rule, and what a list of known names could add:

1. **The extractor's options**: ``concrete_share`` and ``noun_share`` over a range, and
   ``pos="tagger"`` (labels that an option makes and nobody judged are counted apart as
   ``unjudged``).
2. **A learned label filter**: every label of the default gets cheap features of its word and
   caption (caption case style, the synset's lexicographer file, capitalization and neighbours of
   the word, its verb and adjective readings, tagged counts, number of senses ...); a logistic
   regression predicts whether a judge called it correct, trained and tested in 5 folds split by
   caption, so every label is scored by a model that never saw its caption. Dropping the labels
   scored below a threshold gives the precision and found that such a filter could reach.
3. **The same filter with corpus case statistics**, knowledge that neither the caption nor WordNet
   holds: how often NLTK's gold-tagged corpora (Brown, the Penn Treebank sample, CoNLL-2000; about
   1.3 million words) write the label's word capitalized inside a sentence, as a name ("Ford"), and
   how often in lower case. Needs those corpora under ``NLTK_DATA`` (``../shared/nltk_data``).
4. **What a gazetteer could do**: why each wrong dev label is wrong
   (``data/web_audit/dev_error_categories.jsonl``, rule book ``ERROR_CATEGORIES.md``): part of a
   widely known name or title (G), an obscure one (O), a web sense (W), syntax (S) ... If a
   perfect gazetteer dropped every G label, and nothing correct, the audit would lose the same
   share of its wrong labels (``gazetteer_bound``).

To reach the audit's target from where the default stands there (``audit_now``: at 0.658 / 0.782,
1,143 labels, 752 correct, 962 correct pooled), a filter must drop at least ``69 + 0.43 * C`` wrong
labels for every ``C`` correct ones it loses, and lose at most 30 correct ones. For each threshold,
``audit_estimate`` applies the shares of dev's wrong and correct labels dropped to the audit's
counts (an estimate: the audit's verdicts are only counted, never used to fit or choose anything).

Usage:
    python benchmarks/web_label_ceiling.py [--parquet PATH] [--quick]
Prints JSON (--quick: 60 development captions, for CI: no figures).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catlip.text import SynsetExtractor, synset
from catlip.text.function_words import DETERMINERS, FUNCTION_WORDS
from catlip.text.lexicon import Kind, LexiconOptions, get_lexicon
from catlip.text.titles import WORD
from catlip.text.tokenize import clean_caption
from catlip.wordnet.db import wordnet_db
from catlip.wordnet.senseindex import get_sense_index
from web_label_quality import (
    AUDIT,
    PARQUET,
    audit_rows,
    read_captions,
    read_jsonl,
    system_labels,
)
from web_label_quality import score as audit_score

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55)


def style(words: list[str]) -> str:
    """A caption's case style: allcaps, title, lower or mixed."""
    if not words:
        return "none"
    shouted = sum(w.isupper() and len(w) > 1 for w in words)
    capitalized = sum(w[:1].isupper() for w in words)
    if shouted >= 0.6 * len(words):
        return "allcaps"
    if capitalized >= 0.7 * len(words):
        return "title"
    return "lower" if capitalized <= 0.2 * len(words) else "mixed"


CaseCounts = tuple[Counter[str], Counter[str]]
"""Capitalized and lower-case uses per word (:func:`corpus_case`)."""


def corpus_case() -> CaseCounts:
    """Capitalized and lower-case uses of each word in NLTK's gold corpora, first words aside."""
    from nltk.corpus import brown, conll2000, treebank

    capitalized: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for corpus in (brown, treebank, conll2000):
        for sentence in corpus.sents():
            for word in sentence[1:]:
                if word.isalpha():
                    if word.islower():
                        lower[word] += 1
                    elif word[:1].isupper() and not word.isupper():
                        capitalized[word.lower()] += 1
    return capitalized, lower


def case_features(word: str, capitalized_here: bool, case: CaseCounts) -> dict[str, float]:
    """How the gold corpora write ``word`` (lower case): as a name, or as a common word."""
    capitalized, lower = case[0][word], case[1][word]
    uses = capitalized + lower
    share = capitalized / uses if uses else 0.5
    return {
        "corpus_capitalized_share": share,
        "corpus_capitalized_here_share": share * capitalized_here,
        "corpus_unseen": float(uses == 0),
        "corpus_uses": math.log1p(uses) / 10,
    }


def label_features(
    caption: str, labels: list[str], case: CaseCounts | None = None
) -> list[dict[str, float]]:
    """Surface features of each label of ``caption`` (its word found by analysing caption words)."""
    lexicon, index, db = get_lexicon(LexiconOptions()), get_sense_index(), wordnet_db()
    words = WORD.findall(clean_caption(caption))
    letters = [w for w in words if w[:1].isalpha()]
    shared = {
        "style_" + style(letters): 1.0,
        "capital_share": sum(w[:1].isupper() for w in letters) / max(1, len(letters)),
        "labels": min(len(labels), 10) / 10,
        "words": min(len(letters), 30) / 30,
        "parenthesis": float("(" in caption),
        "colon": float(":" in caption),
        "digits": float(any(c.isdigit() for c in caption)),
    }

    is_word = lexicon.is_word

    def kind(word: str) -> int | None:
        return lexicon.analyze(word.lower()).kind if word[:1].isalpha() else None

    out = []
    for wnid in labels:
        s = synset(wnid)
        lemma = s.lemmas()[0].name()
        senses = index.noun_senses(lemma.lower())
        f = dict(shared)
        f["lex_" + s.lexname()] = 1.0
        f["multiword"] = float("_" in lemma)
        f["capitalized_lemma"] = float(lemma[:1].isupper())
        f["instance"] = float(bool(s.instance_hypernyms()))
        f["tagged"] = math.log1p(sum(x.count() for x in s.lemmas()))
        f["senses"] = min(len(senses), 10) / 10
        f["first_sense"] = float(bool(senses) and senses[0].offset == int(wnid[1:]))
        at = next((k for k, w in enumerate(words) if lexicon.analyze(w.lower()).wnid == wnid), None)
        if at is None:
            f["no_word"] = 1.0  # a multiword noun, a head, a place
        else:
            word = words[at].lower()
            before = words[at - 1] if at else ""
            after = words[at + 1] if at + 1 < len(words) else ""
            nouns, verbs = db.morphy(word, "n"), db.morphy(word, "v")
            modifiers = db.morphy(word, "a") + db.morphy(word, "r")
            n = sum(map(index.noun_count, nouns))
            v = sum(map(index.verb_count, verbs))
            m = sum(map(index.modifier_count, modifiers))
            f |= {
                "capitalized": float(words[at][:1].isupper()),
                "first_word": float(at == 0),
                "last_word": float(at == len(words) - 1),
                "before_capitalized": float(before[:1].isupper()),
                "after_capitalized": float(after[:1].isupper()),
                "before_function": float(before.lower() in FUNCTION_WORDS),
                "before_determiner": float(before.lower() in DETERMINERS or before.isdigit()),
                "before_noun": float(kind(before) == Kind.NOUN),
                "after_noun": float(kind(after) == Kind.NOUN),
                "before_unknown": float(before[:1].isalpha() and not is_word(before.lower())),
                "after_unknown": float(after[:1].isalpha() and not is_word(after.lower())),
                "noun_share": n / (n + v + m) if n + v + m else 1.0,
                "verb_reading": float(bool(verbs)),
                "adjective_reading": float(bool(modifiers)),
                "ing": float(word.endswith("ing")),
            }
            if case is not None:
                f |= case_features(word, words[at][:1].isupper(), case)
        out.append(f)
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """L2-regularized logistic regression by Newton's method (the bias is not regularized)."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    penalty = np.r_[np.full(x.shape[1] - 1, l2), 0.0]
    for _ in range(100):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def score(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))


def counts(extractor: SynsetExtractor, captions: dict[int, str], verdicts: dict[Any, str]) -> dict:
    tally: Counter[str] = Counter()
    for row, caption in captions.items():
        for wnid in extractor(caption):
            tally[verdicts.get((row, wnid), "unjudged")] += 1
    judged = tally["correct"] + tally["wrong_sense"] + tally["spurious"]
    pool = sum(v == "correct" for k, v in verdicts.items() if k[0] in captions)
    return {
        **{k: tally[k] for k in ("correct", "wrong_sense", "spurious", "unjudged")},
        "precision": round(tally["correct"] / max(1, judged), 3),
        "found": round(tally["correct"] / max(1, pool), 3),
    }


def audit_now(texts: list[str], *, quick: bool) -> dict[str, Any]:
    """The default's counts on the audit, as ``web_label_quality.py`` reports them."""
    rows = audit_rows(len(texts))[: 25 if quick else None]
    verdicts: dict[tuple[int, str], str] = {}
    for item in read_jsonl(AUDIT / "judgments.jsonl"):
        verdicts.setdefault((item["row"], item["wnid"]), item["verdict"])
    scored = audit_score(system_labels(texts, rows), verdicts)
    default = scored["default"]
    return {
        **{k: default[k] for k in ("labels", "correct", "precision", "found")},
        "correct_labels_pooled": scored["correct_labels_pooled"],
    }


def learned_filter(
    items: list[tuple[int, dict[str, float], bool]],
    names: list[str],
    captions: dict[int, str],
    pool: int,
    now: dict[str, Any],
) -> dict[str, Any]:
    """Cross-validated filter on features ``names``: dev figures, audit estimates per threshold."""
    x = np.array([[feats.get(k, 0.0) for k in names] for _, feats, _ in items])
    y = np.array([ok for _, _, ok in items], dtype=float)
    captions_shuffled = sorted(captions)
    random.Random(0).shuffle(captions_shuffled)
    fold_of = {row: k % 5 for k, row in enumerate(captions_shuffled)}
    folds = np.array([fold_of[row] for row, _, _ in items])
    predicted = np.zeros(len(items))
    for k in range(5):
        w = fit(x[folds != k], y[folds != k], l2=3.0)
        predicted[folds == k] = score(w, x[folds == k])
    labels, correct, pooled = now["labels"], now["correct"], now["correct_labels_pooled"]
    curve = []
    for threshold in THRESHOLDS:
        keep = predicted >= threshold
        wrong_dropped = int((~keep & (y == 0)).sum())
        correct_dropped = int((~keep & (y == 1)).sum())
        # The same shares of wrong and correct labels dropped, on the audit's counts.
        drop_wrong = wrong_dropped / max(1, int((y == 0).sum())) * (labels - correct)
        drop_correct = correct_dropped / max(1, int(y.sum())) * correct
        kept = labels - drop_wrong - drop_correct
        curve.append(
            {
                "threshold": threshold,
                "wrong_dropped": wrong_dropped,
                "correct_dropped": correct_dropped,
                "precision": round(float(y[keep].mean()), 3) if keep.any() else None,
                "found": round(float(y[keep].sum()) / max(1, pool), 3),
                "audit_estimate": {
                    "precision": round((correct - drop_correct) / max(1.0, kept), 3),
                    "found": round((correct - drop_correct) / max(1, pooled), 3),
                },
            }
        )
    return {"labels": len(items), "features": len(names), "curve": curve}


def error_categories(
    captions: dict[int, str], verdicts: dict[Any, str], now: dict[str, Any]
) -> dict[str, Any]:
    """Why the default's wrong dev labels are wrong, and what a perfect gazetteer would give."""
    category = {
        (item["row"], item["wnid"]): item["category"]
        for item in read_jsonl(AUDIT / "dev_error_categories.jsonl")
    }
    default = SynsetExtractor()
    tally: Counter[str] = Counter()
    for row, caption in captions.items():
        for wnid in default(caption):
            if verdicts.get((row, wnid)) in ("wrong_sense", "spurious"):
                tally[category.get((row, wnid), "uncategorized")] += 1
    wrong = sum(tally.values())
    labels, correct, pooled = now["labels"], now["correct"], now["correct_labels_pooled"]
    dropped = tally["G"] / max(1, wrong) * (labels - correct)
    return {
        "wrong_labels": wrong,
        "categories": dict(sorted(tally.items())),
        "gazetteer_bound": {
            "audit_wrong_dropped": round(dropped, 1),
            "precision": round(correct / max(1.0, labels - dropped), 3),
            "found": round(correct / max(1, pooled), 3),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet", type=Path, default=PARQUET)
    parser.add_argument("--quick", action="store_true", help="60 captions, for CI: no figures")
    args = parser.parse_args()
    texts = read_captions(args.parquet)
    audited = set(audit_rows(len(texts)))
    rows = [r for r in range(len(texts)) if r not in audited][: 60 if args.quick else None]
    captions = {r: texts[r] for r in rows}
    verdicts: dict[Any, str] = {}
    for item in read_jsonl(AUDIT / "dev_judgments.jsonl"):
        verdicts.setdefault((item["row"], item["wnid"]), item["verdict"])

    result: dict[str, Any] = {"quick": True} if args.quick else {}
    result["dev_captions"] = len(captions)
    result["default"] = counts(SynsetExtractor(), captions, verdicts)
    options = [("concrete_share", v) for v in (0.05, 0.1, 0.15, 0.5)]
    options += [("noun_share", v) for v in (0.4, 0.6, 0.7)]
    options += [("pos", "tagger")]  # NLTK's POS tagger instead of WordNet's counts
    result["options"] = {
        f"{name}={value}": counts(SynsetExtractor(**{name: value}), captions, verdicts)
        for name, value in options
    }

    default = SynsetExtractor()
    case = corpus_case()
    items: list[tuple[int, dict[str, float], bool]] = []
    for row, caption in captions.items():
        labels = default(caption)
        for wnid, feats in zip(labels, label_features(caption, labels, case), strict=True):
            verdict = verdicts.get((row, wnid))
            if verdict is not None:
                items.append((row, feats, verdict == "correct"))
    pool = sum(v == "correct" for key, v in verdicts.items() if key[0] in captions)
    now = audit_now(texts, quick=args.quick)
    result["audit_now"] = now
    every = sorted({k for _, feats, _ in items for k in feats})
    own = [k for k in every if not k.startswith("corpus_")]
    result["learned_filter"] = learned_filter(items, own, captions, pool, now)
    result["learned_filter_with_corpus_case"] = learned_filter(items, every, captions, pool, now)
    result["error_categories"] = error_categories(captions, verdicts, now)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
