"""Comment themes: taxonomy, languages, discovered topics, sentiment, impact, redaction."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_report import demo, stats, themes
from nps_report.exceptions import ParamsError
from nps_report.redact import redact

ROOT = Path(__file__).resolve().parents[1]

# Thirty-odd French customer comments written for this test: billing, waiting for the
# call centre, the mobile app, deliveries.
FRENCH_COMMENTS = [
    "La facture de ce mois est encore fausse, j'ai été prélevé deux fois.",
    "Erreur sur la facture, le montant ne correspond pas à mon contrat.",
    "J'attends toujours le remboursement promis depuis trois semaines.",
    "Facture incompréhensible et frais ajoutés sans explication.",
    "On m'a facturé un abonnement que je n'ai jamais demandé, je veux un remboursement.",
    "Le prélèvement a été effectué deux fois et le remboursement est très lent.",
    "Les factures sont souvent erronées, il faut tout vérifier.",
    "Le montant de la facture est trop élevé par rapport au devis.",
    "Le temps d'attente au téléphone est beaucoup trop long.",
    "Impossible de joindre un conseiller, l'attente dépasse une heure.",
    "Le service client ne répond pas aux courriels.",
    "J'ai appelé cinq fois, chaque conseiller me donne une réponse différente.",
    "Attente interminable au téléphone avant de parler à un conseiller.",
    "Le conseiller était aimable mais n'a pas résolu mon problème de téléphone.",
    "Service client injoignable, aucune réponse depuis dix jours.",
    "Trop d'attente pour obtenir un conseiller au téléphone.",
    "L'application plante à chaque connexion.",
    "Impossible de me connecter à l'application depuis la mise à jour.",
    "L'application mobile est lente et pleine de bugs.",
    "La nouvelle version de l'application est vraiment compliquée.",
    "Bug dans l'application, mes données ont disparu.",
    "Connexion impossible, l'application affiche une erreur.",
    "L'application se ferme toute seule pendant la connexion, c'est pénible.",
    "Livraison en retard de deux semaines, colis abîmé.",
    "Le colis n'est jamais arrivé et personne ne sait où il est.",
    "Retard de livraison sans aucune information.",
    "Livraison rapide, colis bien emballé, rien à redire.",
    "Le livreur a laissé le colis devant la porte sous la pluie.",
    "Commande livrée avec une semaine de retard.",
    "Colis perdu, livraison jamais effectuée.",
    "Suivi de livraison inexistant, colis introuvable.",
    "Le remboursement de la commande annulée n'arrive pas.",
]


# ------------------------------------------------------------------------------ taxonomy
def test_default_taxonomy_loads_with_the_demo_themes():
    default = themes.load_taxonomy()
    assert default.names == themes.load_taxonomy(ROOT / "nps_report" / "data" / "themes.yaml").names
    for name in [*demo.DEMO_STORY["detractor_themes"], *demo.DEMO_STORY["promoter_themes"]]:
        assert name in default.names
    assert default["billing errors"].polarity == "negative"
    assert default["friendly staff"].polarity == "positive"
    assert default["billing errors"].label == "Billing errors"


@pytest.mark.parametrize("theme", list(demo.COMMENT_TEMPLATES))
def test_every_demo_comment_template_is_caught_by_its_theme(theme):
    templates = pd.Series(demo.COMMENT_TEMPLATES[theme])
    matches = themes.match_themes(templates, themes.load_taxonomy())
    missed = templates[~matches[theme]].tolist()
    assert missed == []
    # ... and never by a theme of the opposite polarity.
    taxonomy = themes.load_taxonomy()
    own = taxonomy[theme].polarity
    opposite = [t.name for t in taxonomy if t.polarity not in (own, "neutral")]
    wrong = matches[opposite].any(axis=1)
    assert templates[wrong].tolist() == []


@pytest.mark.parametrize("text, theme", [
    # Phrasings a real customer writes that are not in the demo templates.
    ("They overcharged me again this month", "billing errors"),
    ("I was double-billed for April", "billing errors"),
    ("The invoices are always incorrect", "billing errors"),
    ("No response to my emails for a week", "slow support"),
    ("I waited 40 minutes for an agent", "slow support"),
    ("The website went down during checkout", "outages"),
    ("Your prices are way too high", "price"),
    ("Really hard to navigate the new portal", "app usability"),
    ("Such a friendly and patient agent", "friendly staff"),
    ("Super easy to use", "easy to use"),
    ("Quick response from the support team", "fast support"),
    ("La facture est erronée depuis deux mois", "billing errors"),
    ("Temps d'attente beaucoup trop long", "slow support"),
    ("Die Rechnung ist schon wieder falsch", "billing errors"),
    ("La factura es incorrecta otra vez", "billing errors"),
    ("I can\u2019t find the export button", "app usability"),  # curly apostrophe
    # The common customer-experience themes of every industry, in each language.
    ("Waited three weeks for the broadband to be connected", "waiting and delays"),
    ("J'attends depuis trois semaines", "waiting and delays"),
    ("Ich warte seit drei Wochen auf den Anschluss", "waiting and delays"),
    ("Llevo esperando tres semanas", "waiting and delays"),
    ("The engineer never turned up and I took a day off work", "appointments and visits"),
    ("Le technicien n'est pas venu au rendez-vous", "appointments and visits"),
    ("Der Techniker ist nicht gekommen, Termin verpasst", "appointments and visits"),
    ("El técnico no vino a la cita", "appointments and visits"),
    ("Activation took six weeks and the line is still not activated", "installation and activation"),
    ("Installation retardée, toujours pas raccordé", "installation and activation"),
    ("Die Freischaltung hat Wochen gedauert, noch nicht aktiviert", "installation and activation"),
    ("La instalación tuvo muchos problemas", "installation and activation"),
    ("The router they sent was faulty and the replacement is also broken", "equipment faults"),
    ("La box est défectueuse", "equipment faults"),
    ("Der Router ist defekt", "equipment faults"),
    ("El router llegó defectuoso", "equipment faults"),
    ("Nobody called me back and nobody kept me informed", "communication"),
    ("Aucune information, jamais tenu au courant", "communication"),
    ("Keine Rückmeldung und nie informiert", "communication"),
    ("Ninguna información, nadie me llamó", "communication"),
    ("They charged me before the service was even working", "billing errors"),
    ("Locked into a contract with a huge early termination fee", "cancellation"),
    ("Frais de résiliation abusifs", "cancellation"),
    ("Automatisch verlängert, Kündigungsfrist verpasst", "cancellation"),
    ("Me cobran penalización por permanencia", "cancellation"),
])
def test_taxonomy_patterns_are_general(text, theme):
    matches = themes.match_themes(pd.Series([text]))
    assert matches.loc[0, theme], f"{theme!r} missed {text!r}"


@pytest.mark.parametrize("text, theme", [
    ("The app is not confusing at all, it is user-friendly", "friendly staff"),
    ("Some kind of error appeared", "friendly staff"),
    ("Unreliable service", "reliable service"),
    ("Not good value for money anymore", "good value"),
    ("Still waiting for a refund after being overcharged", "slow support"),
])
def test_taxonomy_patterns_avoid_obvious_false_matches(text, theme):
    assert not themes.match_themes(pd.Series([text])).loc[0, theme]


def test_every_theme_has_patterns_in_every_supported_language():
    for theme in themes.load_taxonomy():
        assert set(themes.LANGUAGES) <= set(theme.patterns), theme.name


def test_match_themes_keeps_the_index_and_ignores_blank_comments():
    comments = pd.Series(["Invoice was wrong again.", "", None, "Very easy to use."],
                         index=[10, 11, 12, 13])
    matches = themes.match_themes(comments)
    assert list(matches.index) == [10, 11, 12, 13]
    assert matches.loc[10, "billing errors"] and matches.loc[13, "easy to use"]
    assert not matches.loc[[11, 12]].any(axis=None)


def test_a_match_spanning_two_comments_is_not_counted():
    # Joined, "...billing" + "errors..." would read "billing errors": each is checked alone.
    comments = pd.Series(["We like the billing", "errors happen to everyone"])
    taxonomy = themes.parse_taxonomy({"themes": {"x": {"en": [r"billing\W+errors"]}}})
    assert not themes.match_themes(comments, taxonomy)["x"].any()


def _write(tmp_path, text):
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, key, message", [
    ("themes:\n  billing:\n    en: ['(unclosed']\n", "themes.billing.en[0]",
     "not a valid regular expression"),
    ("themes:\n  billing:\n    english: [invoice]\n", "themes.billing.english", "unknown key"),
    ("themes:\n  billing:\n    polarity: bad\n    en: [invoice]\n", "themes.billing.polarity",
     "polarity must be one of"),
    ("themes:\n  billing:\n    en: ['x*']\n", "themes.billing.en[0]", "matches empty text"),
    ("themes:\n  billing:\n    label: Billing\n", "themes.billing", "at least one pattern"),
    ("topics: {}\n", None, "top-level 'themes:'"),
])
def test_taxonomy_errors_name_the_file_and_key(tmp_path, text, key, message):
    path = _write(tmp_path, text)
    with pytest.raises(ParamsError, match=re.escape(message)) as info:
        themes.load_taxonomy(path)
    assert str(path) in str(info.value)
    assert info.value.key == key


def test_missing_taxonomy_file_is_a_params_error(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        themes.load_taxonomy(tmp_path / "nope.yaml")


def test_patterns_are_case_insensitive_and_escapes_survive():
    taxonomy = themes.parse_taxonomy({"themes": {"vat": {"en": [r"WRONG\W+VAT\b"]}}})
    hits = themes.match_themes(pd.Series(["Wrong VAT again", "wrongvat", "wrong, vat!"]),
                               taxonomy)
    assert hits["vat"].tolist() == [True, False, True]


# -------------------------------------------------------------------- language, stop words
def test_stop_word_lists_ship_for_four_languages_without_theme_words():
    for lang in ("en", "fr", "de", "es"):
        words = themes.load_stop_words(lang)
        assert len(words) > 100
        assert all(w == w.lower() and " " not in w for w in words)
    # scikit-learn's English list holds "bill", "call", "system": ours must not.
    theme_words = {"bill", "call", "system", "invoice", "support", "down"}
    assert not theme_words & themes.load_stop_words("en")
    assert {"le", "la", "les", "est", "qu"} <= themes.load_stop_words("fr")
    with pytest.raises(ValueError, match="available: en, fr, de, es"):
        themes.load_stop_words("it")


def test_detect_language_by_stop_word_overlap():
    comments = pd.Series([
        "The invoice was wrong and nobody answered my emails.",
        "Le service client ne répond jamais à mes messages.",
        "Die Rechnung war falsch und der Kundenservice hat nicht geantwortet.",
        "La factura estaba mal y nadie me ha respondido desde hace una semana.",
        "",
    ])
    assert themes.detect_language(comments).tolist()[:4] == ["en", "fr", "de", "es"]
    assert pd.isna(themes.detect_language(comments).iloc[4])
    french = themes.detect_language(pd.Series(FRENCH_COMMENTS))
    assert (french == "fr").mean() >= 0.9


def test_undecided_comments_take_the_main_language():
    comments = pd.Series(["Great!", "Support was slow and the app is bad.", "Very good service."])
    assert themes.detect_language(comments).tolist() == ["en", "en", "en"]
    assert themes.detect_language(pd.Series(["Super!"])).tolist() == ["unknown"]


# ------------------------------------------------------------------------- discovery
def test_french_comments_give_topics_of_french_content_words():
    found = themes.discover_topics(pd.Series(FRENCH_COMMENTS), n_topics=4)
    assert found.language == "fr"
    assert len(found.topics) == 4
    terms = [t.strip() for row in found.topics["terms"] for t in row.split(",")]
    stop = themes.load_stop_words("fr") | themes.load_stop_words("en")
    assert terms and not set(terms) & stop
    assert all(re.fullmatch(r"[^\W\d_]{3,}", t) for t in terms)
    # The four subjects of the comments come out as the leading terms of the topics.
    leading = {row.split(", ")[0] for row in found.topics["terms"]}
    heads = {t for row in found.topics["terms"] for t in row.split(", ")[:3]}
    assert {"facture", "application", "livraison"} <= heads | leading
    assert heads & {"attente", "conseiller", "téléphone"}
    assert found.assignment.notna().sum() >= 28


def test_discovery_with_too_few_comments_is_empty_not_an_error():
    found = themes.discover_topics(pd.Series(["Bof.", "Rien."]))
    assert found.topics.empty and found.assignment.isna().all()


def test_analyze_comments_discovers_what_sets_detractors_apart():
    rng = np.random.default_rng(5)
    # Parking is no theme of the taxonomy; "acme" (the company) is in every comment.
    parcels = ["Parking was full, we drove around for ages.", "No parking spaces near the store.",
               "The car park is tiny and always full.", "Parking is a nightmare at this branch."]
    praise = ["Acme is great, lovely people.", "Acme shop is great and tidy.",
              "Nice choice at Acme.", "Acme staff know their stuff."]
    comments = [parcels[i % 4] + " Acme order." for i in range(30)]
    comments += [praise[i % 4] for i in range(30)] + ["Invoice was wrong again, Acme."] * 10
    scores = np.r_[rng.integers(0, 7, size=30), rng.integers(9, 11, size=30),
                   rng.integers(0, 11, size=10)]
    result = themes.analyze_comments(pd.DataFrame({"score": scores, "comment": comments}))
    discovered = result.impact[result.impact["source"] == "discovered"]
    assert len(discovered) >= 1
    top = discovered.iloc[0]
    assert top["mentions"] >= 20 and top["verdict"] == "pain point"
    words = set(re.findall(r"\w+", top["label"].lower()))
    assert words & {"parking", "park", "full", "spaces"}
    # "acme" is in every comment: it names the company, not a problem.
    assert "acme" not in " ".join(result.topics["terms"])
    # The invoice comments belong to the taxonomy theme, not to a discovered topic.
    assert result.impact.set_index("theme").loc["billing errors", "mentions"] == 10
    assert "invoice" not in " ".join(result.topics["terms"])
    # Topics are distinct from the taxonomy (no phrase a theme matches) and from each other.
    for term in ", ".join(result.topics["terms"]).split(", "):
        assert not any(t.regex.search(term) for t in result.taxonomy), term
    topics = result.matches[list(result.topics["topic"])].to_numpy()
    for i in range(topics.shape[1]):
        for j in range(i + 1, topics.shape[1]):
            shared = (topics[:, i] & topics[:, j]).sum()
            assert shared <= 0.5 * min(topics[:, i].sum(), topics[:, j].sum())


# --------------------------------------------------------------------------- sentiment
def test_sentiment_scores_english_only():
    comments = pd.Series(["Terrible service, I am furious.", "Excellent support, very happy!",
                          "Le service est excellent.", ""])
    result = themes.sentiment(comments)
    assert result.loc[0, "sentiment"] < -0.5 and result.loc[0, "sentiment_label"] == "negative"
    assert result.loc[1, "sentiment"] > 0.5 and result.loc[1, "sentiment_label"] == "positive"
    assert np.isnan(result.loc[2, "sentiment"]) and result.loc[2, "language"] == "fr"
    assert pd.isna(result.loc[2, "sentiment_label"])
    assert np.isnan(result.loc[3, "sentiment"])


# ------------------------------------------------------------------------- theme impact
def test_theme_impact_on_a_hand_computed_table():
    data = pd.DataFrame({
        "score": [0, 3, 6, 6, 7, 8, 9, 10, 10, 9],
        "comment": ["a", "a", "b", "nothing", "a", "", "b", "b", None, ""],
    })
    matches = pd.DataFrame({
        "A": [True, True, False, False, True, False, False, False, False, False],
        "B": [False, False, True, False, False, False, True, True, False, False],
        "C": [False] * 10,
    })
    table = themes.theme_impact(data, matches).set_index("theme")
    # All: D=4 (0,3,6,6), Pa=2 (7,8), P=4 (9,10,10,9): NPS = 100*(4-4)/10 = 0.
    assert table.attrs["nps"] == pytest.approx(0.0)
    assert table.attrs["nps"] == pytest.approx(stats.nps(data["score"]))
    # Commented (non-blank): detractors rows 0-3 = 4, passives row 4 = 1, promoters 6,7 = 2.
    assert table.attrs["commented"] == {"detractors": 4, "passives": 1, "promoters": 2}
    a = table.loc["A"]
    # A: rows 0,1,4 -> D=2, Pa=1, P=0.
    assert (a["mentions"], a["detractors"], a["passives"], a["promoters"]) == (3, 2, 1, 0)
    assert a["share_detractors"] == pytest.approx(50.0)      # 2 of 4 commenting detractors
    assert a["share_passives"] == pytest.approx(100.0)       # 1 of 1
    assert a["share_promoters"] == pytest.approx(0.0)
    assert a["nps"] == pytest.approx(-200 / 3)               # 100*(0-2)/3
    # Without A: D=2, Pa=1, P=4 of 7 -> NPS 100*2/7 = 28.571; impact 0 - 28.571.
    assert a["impact"] == pytest.approx(-200 / 7)
    assert a["scenario_gain"] == pytest.approx(20.0)         # 100*2/10
    assert a["verdict"] == "mentioned" and np.isnan(a["gain"])  # 2 detractors: too few
    b = table.loc["B"]
    # B: rows 2,6,7 -> D=1, P=2; NPS 100*(2-1)/3; without B: D=3, Pa=2, P=2 of 7 -> -100/7.
    assert (b["detractors"], b["promoters"]) == (1, 2)
    assert b["share_detractors"] == pytest.approx(25.0)
    assert b["share_promoters"] == pytest.approx(100.0)
    assert b["nps"] == pytest.approx(100 / 3)
    assert b["impact"] == pytest.approx(100 / 7)
    assert b["scenario_gain"] == pytest.approx(10.0)
    # A theme nobody mentions is not listed; only scored commenters count as commenting.
    assert "C" not in table.index and table.attrs["n_commented"] == 7
    assert list(table["rank"]) == [1, 2] and list(table.index) == ["A", "B"]
    # Commenting detractors rows 0-3; A covers rows 0, 1 and B row 2: 3 of 4.
    assert table.attrs["detractor_coverage"] == pytest.approx(0.75)


def test_summarize_names_pain_points_only_with_evidence():
    # 20 responses: 8 detractors, 6 of them write about billing, no one else does.
    data = pd.DataFrame({"score": [0, 1, 2, 3, 4, 5, 6, 6] + [7, 8] * 3 + [9, 10] * 3,
                         "comment": ["x"] * 20})
    billing = [True] * 6 + [False] * 14
    staff = [False] * 8 + [False] * 6 + [True] * 6
    matches = pd.DataFrame({"billing errors": billing, "friendly staff": staff})
    labels = {"billing errors": "Billing errors", "friendly staff": "Friendly staff"}
    table = themes.theme_impact(data, matches, labels=labels)
    text = themes.summarize(table)
    # 6 of 8 commenting detractors; scenario 100*6/20 = 30 points.
    assert text.startswith("Pain point: billing errors, mentioned by 75% of commenting detractors")
    assert "if these detractors became passives: up to +30.0 points" in text
    assert "Strength: friendly staff (100% of promoters who left a comment)" in text
    assert text.endswith("Some theme covers 75% of commenting detractors.")
    assert "expected" not in text.lower()
    # The same mentions by 3 detractors only: not a pain point, and the summary says so.
    few = themes.theme_impact(data, matches.assign(**{"billing errors": [True] * 3 + [False] * 17}),
                              labels=labels)
    assert (few["verdict"] != "pain point").all()
    assert themes.summarize(few).startswith(themes.narrative.NO_PAIN_POINT)
    # 20 comments, none of them on a theme: the report says so, not "too few comments".
    assert themes.summarize(table.iloc[0:0]).startswith("None of the 20 comments matches a theme")
    assert themes.summarize(pd.DataFrame(columns=["mentions"])) == "No comment mentions any theme."


# ------------------------------------------------------------------------------ redaction
@pytest.mark.parametrize("text, expected", [
    ("You can reach me at jane.doe@example.org.", "You can reach me at [email]."),
    ("Mail m.garcia+nps@example.co.uk today", "Mail [email] today"),
    ("Call me back on +44 20 7946 0958.", "Call me back on [phone]."),
    ("Phone me at +1 202 555 0143.", "Phone me at [phone]."),
    ("Ring +44 (0)20 7946 0958 after 5", "Ring [phone] after 5"),
    ("call (020) 7946 0958 or 555-123-4567", "call [phone] or [phone]"),
    ("(call 020 7946 0958)", "(call [phone])"),
    ("appelez le 06 12 34 56 78 svp", "appelez le [phone] svp"),
    ("My card 4111 1111 1111 1111 was affected.", "My card [card number] was affected."),
    ("Card number 5555555555554444 for the refund.", "Card number [card number] for the refund."),
    ("card 4000-0566-5566-5556 charged", "card [card number] charged"),
    ("My account number is 12345678, please check",
     "My account number is [account number], please check"),
    ("account no. 0012-3456-789", "account no. [account number]"),
    ("Customer ID: AB1234567", "Customer ID: [account number]"),
    ("IBAN: GB82 WEST 1234 5698 7654 32 please", "IBAN: [account number] please"),
    ("Order 12345678 never arrived", "Order [number] never arrived"),
    ("reset link https://portal.example.com/reset?token=abc123XYZ&user=42.", "reset link [link]."),
    ("see www.example.com/account/8f3a9c2e7b1d4f60a9e2 now", "see [link] now"),
])
def test_redact_removes_personal_data(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Waited 3 days for support to reply.",
    "Prices went up to $49 a month, then $1,299.00 a year.",
    "On 2026-07-01 10:30, on 12/03/2026 and on 01.07.2026 it failed.",
    "We have been a customer for 5 years, contract since 2019.",
    "Between 2024-2025 the service was fine; version 2.3.1 broke it.",
    "It costs 12 500 000 EUR for the whole group of 45 people.",
    "Visit https://example.com/pricing for details.",
    "Invoice INV-2026-000123 was wrong",
    "I called 3 times, 45 minutes each, on hold for 2 hours.",
    "Order 12345 late, ticket #4521, 20% off",
    "Billing errors three months in a row, this is unacceptable.",
    "",
])
def test_redact_leaves_ordinary_text_alone(text):
    assert redact(text) == text


def test_redact_docstring_example_runs():
    import doctest

    from nps_report import redact as redact_module

    assert doctest.testmod(redact_module).failed == 0


def test_redact_handles_missing_values_and_the_demo_personal_data():
    assert redact(None) == "" and redact(float("nan")) == ""
    for suffix in demo.PII_SUFFIXES:
        cleaned = redact("Invoice was wrong again." + suffix)
        assert "@" not in cleaned and not re.search(r"\d{3}", cleaned), cleaned
        assert cleaned.startswith("Invoice was wrong again.")


def test_redact_on_every_distinct_demo_comment(demo_responses):
    comments = demo_responses.responses["comment"].dropna().unique()
    with_pii = [c for c in comments if any(c.endswith(s) for s in demo.PII_SUFFIXES)]
    assert with_pii  # the demo plants a few
    for text in comments:
        cleaned = redact(text)
        if text in with_pii:
            assert cleaned != text and "@" not in cleaned
            assert not re.search(r"\d[\d -]{6,}\d", cleaned), cleaned
        else:
            assert cleaned == text  # ordinary comments ("Waited 3 days ...") stay as written


def test_verbatims_are_representative_and_redacted():
    data = pd.DataFrame({
        "score": [1, 2, 3, 9, 4, 10],
        "comment": ["Invoice was wrong again, call me on +44 20 7946 0958.",
                    "Invoice was wrong again.",
                    "The invoice amount was wrong, email jane@example.org",
                    "The invoice was wrong once but they fixed it fast.",
                    "Invoice was wrong again.",
                    "Very easy to use."],
    })
    matches = themes.match_themes(data["comment"])
    quotes = themes.verbatims(data, matches, k=3, polarity={"billing errors": "negative",
                                                            "easy to use": "positive"})
    billing = quotes[quotes["theme"] == "billing errors"]
    assert len(billing) == 3 and list(billing["rank"]) == [1, 2, 3]
    assert (billing["category"] == "detractor").all()  # detractors quoted first
    assert billing["comment"].nunique() == 3  # one per distinct text
    joined = " ".join(quotes["comment"])
    assert "@" not in joined and "7946" not in joined and "[phone]" in joined
    assert quotes[quotes["theme"] == "easy to use"]["comment"].tolist() == ["Very easy to use."]


# ------------------------------------------------------------------------------ demo story
def _planted_themes():
    story = demo.DEMO_STORY
    return set(story.get("dominant_detractor_themes") or story["detractor_themes"][:2])


def test_demo_planted_themes_lead_among_detractors(demo_responses):
    data = demo_responses.responses
    last = data[data["quarter"] == demo.DEMO_STORY["last_quarter"]]
    result = themes.analyze_comments(last)
    impact = result.impact
    assert set(impact["theme"].head(2)) == _planted_themes()  # pain points by scenario
    assert (impact.head(2)["verdict"] == "pain point").all()
    top = impact.head(2)
    assert (top["nps_difference_high"] < 0).all()  # intervals below zero, not just estimates
    assert (top["scenario_low"] < top["scenario_gain"]).all()
    assert (top["scenario_gain"] < top["scenario_high"]).all()
    assert set(impact.nsmallest(2, "impact")["theme"]) == _planted_themes()
    assert set(impact.nlargest(2, "share_detractors")["theme"]) == _planted_themes()
    assert (impact.head(2)["polarity"] == "negative").all()
    # Nearly every demo comment is caught by the taxonomy.
    assert (result.comments["themes"] != "").mean() > 0.99
    assert (result.comments["language"] == "en").all()
    assert themes.summarize(impact).startswith("Pain point: billing errors, mentioned by")
    # Verbatims shown in reports carry no personal data.
    assert not result.verbatims["comment"].str.contains(r"@|\d{4} \d{4}").any()


def test_demo_declining_team_is_about_billing_errors(demo_responses):
    data = demo_responses.responses
    team = data[(data["quarter"] == demo.DEMO_STORY["last_quarter"])
                & (data["team"] == demo.DEMO_STORY["declining_team"])]
    impact = themes.analyze_comments(team).impact
    assert impact.iloc[0]["theme"] == "billing errors"
    assert impact.iloc[0]["share_detractors"] > 50


def test_analyze_comments_without_any_comment():
    data = pd.DataFrame({"score": [0, 9, 10], "comment": ["", None, "  "]})
    result = themes.analyze_comments(data)
    assert (result.impact["mentions"] == 0).all()
    assert result.comments.empty and result.verbatims.empty
    assert themes.summarize(result.impact) == "No comment mentions any theme."


def test_a_german_pattern_does_not_match_french_words():
    """Every language's patterns run on every comment: the German "nett" (nice) must not
    match French "nettoyage"/"nettoyée"/"nettement" (found on a real French hotel-review
    export, where it put a complaint about theft under "friendly staff")."""
    taxonomy = themes.load_taxonomy()
    texts = pd.Series(["Das Personal war sehr nett", "ein netter Empfang",
                       "la chambre a été nettoyée", "nettement mieux", "nettoyage parfait"])
    assert themes.match_themes(texts, taxonomy)["friendly staff"].tolist() == [
        True, True, False, False, False]
