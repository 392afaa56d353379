"""A seeded, realistic synthetic NPS survey export with a planted, checkable story."""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import schema
from .atomic import atomic_path

__all__ = [
    "ATTRIBUTES",
    "COLUMNS",
    "COMMENT_TEMPLATES",
    "DEMO_SEED",
    "DEMO_STORY",
    "PII_SUFFIXES",
    "generate_demo_export",
    "write_demo_data",
    "write_demo_returns",
]

#: Seed used when no seed is given: the embedded demo data is this seed's output.
DEMO_SEED = 20260930

# --------------------------------------------------------------------------- columns
COL_RESPONSE_ID = "Response ID"
COL_CUSTOMER_ID = "Customer ID"
COL_EMAIL = "Email"
COL_SUBMITTED_AT = "Submitted At"
COL_SCORE = "How likely are you to recommend us to a friend or colleague?"
COL_COMMENT = "What is the main reason for your score?"
COL_TEAM = "Team"
COL_DEPARTMENT = "Department"
COL_REGION = "Region"
COL_PLAN = "Plan"
COL_CHANNEL = "Channel"

#: The five attribute ratings (1..10, NaN where the respondent skipped the question).
ATTRIBUTES = ["Ease of use", "Support speed", "Billing accuracy", "Reliability", "Value for money"]

#: Column headers of the export, in order (what a survey tool would write).
COLUMNS = [
    COL_RESPONSE_ID, COL_CUSTOMER_ID, COL_EMAIL, COL_SUBMITTED_AT, COL_SCORE, COL_COMMENT,
    COL_TEAM, COL_DEPARTMENT, COL_REGION, COL_PLAN, COL_CHANNEL, *ATTRIBUTES,
]

# ------------------------------------------------------------------------ organisation
# (team, department, relative size). ``None`` marks a small team whose quarterly
# count is drawn directly (4-9 responses per quarter).
_NAMED_TEAMS = [
    ("Support Tier 1", "Customer Support", 1100),
    ("Support Tier 2", "Customer Support", 650),
    ("Premium Support", "Customer Support", 250),
    ("Technical Support", "Customer Support", 500),
    ("Support Escalations", "Customer Support", 120),
    ("Billing Operations", "Finance", 400),
    ("Accounts Receivable", "Finance", 150),
    ("Collections", "Finance", 90),
    ("Payments Desk", "Finance", 60),
    ("Revenue Assurance", "Finance", None),
    ("Inside Sales", "Sales", 700),
    ("Enterprise Sales", "Sales", 180),
    ("Account Management", "Sales", 220),
    ("Partner Sales", "Sales", None),
    ("Renewals", "Sales", 160),
    ("Onboarding", "Customer Success", 450),
    ("Customer Success", "Customer Success", 400),
    ("Implementation Services", "Customer Success", 130),
    ("Training Academy", "Customer Success", 70),
    ("Adoption", "Customer Success", 40),
    ("Field Services", "Operations", 600),
    ("Logistics", "Operations", 230),
    ("Installations", "Operations", 300),
    ("Network Operations", "Operations", 110),
    ("Dispatch", "Operations", 50),
    ("Mobile App", "Digital", 420),
    ("Web Portal", "Digital", 350),
    ("Self-Service", "Digital", 250),
    ("Community Forum", "Digital", None),
    ("Digital Channels", "Digital", 80),
]
_DEPARTMENTS = list(dict.fromkeys(dept for _, dept, _ in _NAMED_TEAMS))

_DECLINING_TEAM = "Billing Operations"
# Improving teams: how much each rating gains from the first to the last quarter.
_IMPROVEMENTS = {
    "Technical Support": {"Support speed": 1.3, "Reliability": 0.5},
    "Onboarding": {"Ease of use": 1.0, "Support speed": 0.8},
    "Mobile App": {"Ease of use": 1.8, "Reliability": 1.0},
}
_IMPROVING_TEAMS = list(_IMPROVEMENTS)
_ONBOARDING_TEAM = "Onboarding"  # its promoters praise the onboarding
_SMALL_SWING_TEAM = "Community Forum"
_SUSPICIOUS_TEAM = "Renewals"
_INTERNAL_EMAIL_TEAM = "Account Management"
# Its 2026Q2 report asked it to fix slow support; it did (the demo's returned action log
# says so), and in the last quarter its support-speed ratings rise and fewer detractors
# complain of slow support. Only ratings and comments show it: its scores are as drawn.
_FOLLOWED_UP_TEAM = "Customer Success"
_FOLLOWED_UP_GAIN = 2.0
_SMALL_TEAMS = [team for team, _, size in _NAMED_TEAMS if size is None]
_INTERNAL_DOMAIN = "ourcompany.com"

# ------------------------------------------------------------------------- comments
_DETRACTOR_THEMES = ["billing errors", "slow support", "outages", "price", "app usability"]
_PROMOTER_THEMES = ["friendly staff", "smooth onboarding", "easy to use", "fast support"]
# Attribute whose low rating makes a detractor name the theme.
_THEME_ATTRIBUTE = {
    "billing errors": "Billing accuracy",
    "slow support": "Support speed",
    "outages": "Reliability",
    "price": "Value for money",
    "app usability": "Ease of use",
}

#: English comment templates per theme (several phrasings each).
COMMENT_TEMPLATES = {
    "billing errors": [
        "I was charged twice this month.",
        "Invoice was wrong again.",
        "My bill had charges for services I never ordered.",
        "Billing keeps making mistakes and I have to call every month to fix the invoice.",
        "Still waiting for a refund after being overcharged.",
        "The invoice amount did not match my contract.",
        "Double charged on my card and nobody could explain why.",
        "Billing errors three months in a row, this is unacceptable.",
        "You charged me after I cancelled.",
        "Wrong VAT on the invoice again, our accountant is furious.",
        "The payment was taken twice and the refund took weeks.",
        "Constant billing mistakes, I no longer trust the invoices.",
        "Got billed for the Enterprise plan while we are on Pro.",
    ],
    "slow support": [
        "Waited 3 days for support to reply.",
        "Support takes forever to answer a simple question.",
        "My ticket has been open for two weeks with no response.",
        "Was on hold for 45 minutes before reaching an agent.",
        "Support keeps closing my ticket without solving anything.",
        "Slow support, I had to chase them five times.",
        "Nobody from support got back to me.",
        "The support chat says 2 minutes but it is always an hour.",
        "Had to explain my problem to four different agents.",
        "Support response times have become terrible.",
        "Still waiting for the callback support promised last week.",
        "Emailed support twice and only got an automated reply.",
    ],
    "outages": [
        "The service was down for most of Monday.",
        "Third outage this month, we lost a full day of work.",
        "Constant outages during business hours.",
        "The platform keeps going offline without warning.",
        "Service unavailable again this morning.",
        "Too many outages, we cannot rely on you.",
        "The system crashed during our month-end close.",
        "Connection drops several times a day.",
        "Downtime every weekend, and no status updates.",
        "We had an outage lasting six hours and no explanation.",
        "Unreliable service, it goes down at the worst times.",
        "The API was down for two days.",
    ],
    "price": [
        "Too expensive for what you get.",
        "Prices went up again with no new features.",
        "The price increase was not justified.",
        "Competitors offer the same for half the cost.",
        "Way overpriced compared to alternatives.",
        "Not good value for money anymore.",
        "The Pro plan costs far too much for a small business.",
        "Another price hike this year, we are looking elsewhere.",
        "Expensive add-ons for features that should be included.",
        "The cost keeps rising while the service stays the same.",
        "Pricing is way too high for a team our size.",
        "Cannot justify the cost to my manager.",
    ],
    "app usability": [
        "The app is confusing and hard to navigate.",
        "The new interface is a step backwards.",
        "Can't find anything in the menus.",
        "The mobile app is painfully slow to load reports.",
        "Too many clicks to do basic things in the app.",
        "Clunky interface, feels ten years old.",
        "The login process is a nightmare.",
        "The app logs me out every few minutes.",
        "The dashboard is cluttered and confusing.",
        "Simple settings are buried deep in the app.",
        "The redesign made the app harder to use.",
        "Screens are confusing and the buttons are tiny.",
    ],
    "friendly staff": [
        "The staff are always friendly and helpful.",
        "Lovely people, they really care.",
        "Your team was polite and patient with me.",
        "Friendly staff who know what they are doing.",
        "Everyone I spoke to was kind and professional.",
        "Great people, always a pleasure to deal with.",
        "Our account manager is friendly and proactive.",
        "Staff went out of their way to help me.",
        "Really warm and helpful team.",
        "Friendly, knowledgeable and respectful staff.",
        "The team treats us like partners, not numbers.",
    ],
    "smooth onboarding": [
        "Onboarding was smooth and quick.",
        "We were up and running in a day.",
        "Setup was painless, great onboarding.",
        "The onboarding sessions were really well organised.",
        "Migration from our old provider went without a hitch.",
        "Clear onboarding guides, we had no problems.",
        "Getting started was easy thanks to the onboarding team.",
        "Smooth setup and excellent training.",
        "The implementation went exactly to plan.",
        "The onboarding checklist made the switch effortless.",
        "Our whole team was trained within a week.",
    ],
    "easy to use": [
        "Very easy to use.",
        "Simple and intuitive, everything just works.",
        "The app is easy to use and reliable.",
        "Clean interface, easy to find what I need.",
        "Does exactly what I need without fuss.",
        "Intuitive design, my whole team picked it up quickly.",
        "So easy to use compared to our old tool.",
        "Everything is straightforward and fast.",
        "I love how simple the dashboard is.",
        "Easy to use on both mobile and desktop.",
        "Works well and is easy to learn.",
    ],
    "fast support": [
        "Support solved my problem in minutes.",
        "Fast and helpful support.",
        "Quick replies from support every time.",
        "Support fixed my issue on the first call.",
        "Excellent support, very responsive.",
        "Got an answer from support within the hour.",
        "Support is quick and knowledgeable.",
        "The chat support is fast and friendly.",
        "Support resolved a tricky issue the same day.",
        "Best customer support I have dealt with.",
        "Every request I raise is handled quickly.",
    ],
}
# Passives mix: a mild lead-in before a complaint, or a reservation after praise.
_PASSIVE_PREFIXES = [
    "Mostly fine. ", "It's okay. ", "Decent overall. ", "Not bad, but... ",
    "Good product. ", "Average experience. ", "Fine most of the time. ",
]
_PASSIVE_SUFFIXES = [
    " Some room for improvement though.", " Still a few rough edges.",
    " Nothing special otherwise.", " Could be better overall.", " But not perfect.",
]
#: Fake personal data (reserved/fictional numbers and example domains) planted in a few demo
#: comments, for redaction tests.
PII_SUFFIXES = [
    " You can reach me at jane.doe@example.org.",
    " Email me at m.garcia@example.net if you need details.",
    " My address is john.smith@example.com.",
    " Call me back on +44 20 7946 0958.",
    " My number is +44 20 7946 0321.",
    " Phone me at +1 202 555 0143.",
    " My card 4111 1111 1111 1111 was affected.",
    " Card number 5555555555554444 for the refund.",
    " The card ending was wrong, full number 4000 0566 5566 5556.",
]
_PII_SHARE = 0.005  # of commented rows
_INTERNAL_LOCAL_PARTS = ["qa.tester", "j.smith", "survey.test", "a.jones", "m.brown", "test.user"]
_INTERNAL_EMAIL_SHARE = 0.04

# ------------------------------------------------------------------------ the model
_REGIONS = ["EMEA", "North America", "APAC", "LATAM"]
_REGION_P = [0.38, 0.34, 0.18, 0.10]
_PLANS = ["Basic", "Pro", "Enterprise"]
_PLAN_P = [0.50, 0.35, 0.15]
_CHANNELS = ["Email", "In-app", "SMS", "Phone"]
_CHANNEL_P = [0.45, 0.30, 0.15, 0.10]

# Attribute means, and their weights in the latent satisfaction (Billing accuracy
# and Support speed drive the score; the other three matter less but do matter).
_ATTR_MEAN = np.array([7.2, 6.6, 7.4, 7.3, 6.5])
_ATTR_WEIGHT = np.array([0.30, 0.80, 0.90, 0.35, 0.25])
_ATTR_NOISE_SD = 1.6
_HALO_SD = 0.5
_LATENT_NOISE_SD = 2.0
_MISSING_SHARE = 0.05

# Target share of each score 0..10 for the whole survey (NPS about +28).
_SCORE_SHARE = np.array(
    [0.035, 0.012, 0.017, 0.022, 0.025, 0.050, 0.065, 0.100, 0.170, 0.235, 0.269]
)
_SCORE_CUTS = np.array([NormalDist().inv_cdf(c) for c in np.cumsum(_SCORE_SHARE)[:-1]])

#: The planted, checkable facts of the default demo (tests and docs read them from here).
DEMO_STORY = {
    "last_quarter": "2026Q3",
    "declining_team": _DECLINING_TEAM,
    "improving_teams": list(_IMPROVING_TEAMS),
    "small_swing_team": _SMALL_SWING_TEAM,
    "suspicious_team": _SUSPICIOUS_TEAM,
    "small_teams": list(_SMALL_TEAMS),
    "driver_attributes": ["Billing accuracy", "Support speed"],
    "detractor_themes": list(_DETRACTOR_THEMES),
    "internal_email_team": _INTERNAL_EMAIL_TEAM,
    # Extra facts, beyond the required keys.
    "dominant_detractor_themes": ["billing errors", "slow support"],
    "promoter_themes": list(_PROMOTER_THEMES),
    "internal_email_domain": _INTERNAL_DOMAIN,
    # The team whose returned action log marks "fix slow support" (2026Q2) done, and whose
    # share of commenting detractors complaining of slow support falls in the last quarter.
    "followed_up_team": _FOLLOWED_UP_TEAM,
    "followed_up_theme": "slow support",
    # Closing the loop: the team whose lead returned the earlier quarter's workbook.
    "loop_team": _DECLINING_TEAM,
    "loop_quarter": "2026Q2",
}


def generate_demo_export(
    seed: int = DEMO_SEED,
    n_responses: int = 60_000,
    n_teams: int = 30,
    n_quarters: int = 8,
    last_quarter: str = "2026Q3",
) -> pd.DataFrame:
    """Generate a synthetic NPS survey export, shaped like a survey tool's CSV.

    The data tell the story recorded in :data:`DEMO_STORY`: a large team whose
    NPS collapses in the last quarter because of billing errors, teams improving
    steadily, a tiny team swinging wildly, a team with a sudden, suspicious
    surge of 10s, and a team whose responses include internal e-mail addresses.

    Parameters
    ----------
    seed : int, default DEMO_SEED
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same frame.
    n_responses : int, default 60000
        Number of rows.
    n_teams : int, default 30
        Number of teams. The first 30 have business names; further teams are
        called ``Team 031``, ``Team 032``... and cycle through the six departments.
        With fewer than 30 teams the story facts of the dropped teams are absent.
    n_quarters : int, default 8
        Number of consecutive quarters covered, ending with `last_quarter`.
    last_quarter : str, default "2026Q3"
        The most recent quarter, like ``"2026Q3"``; its responses run up to its
        last day.

    Returns
    -------
    pandas.DataFrame
        One row per response, columns :data:`COLUMNS` in that order, sorted by
        submission time. The score is an integer 0..10, the comment an empty
        string when none was given, the attribute ratings floats 1..10 or NaN.

    Raises
    ------
    ValueError
        If a count is not positive or `last_quarter` is not like ``2026Q3``.
    """
    n_responses, n_teams, n_quarters = int(n_responses), int(n_teams), int(n_quarters)
    if n_responses < 1 or n_teams < 1 or n_quarters < 1:
        raise ValueError(
            "n_responses, n_teams and n_quarters must be positive, got "
            f"{n_responses}, {n_teams}, {n_quarters}"
        )
    schema.parse_quarter(last_quarter)
    rng = np.random.default_rng(seed)
    n_attr = len(ATTRIBUTES)

    # ---- organisation and response counts per (team, quarter)
    teams, departments, sizes = _team_table(n_teams, rng)
    team_pos = {name: i for i, name in enumerate(teams)}
    quarters = schema.quarter_range(last_quarter, n_quarters)
    counts = _cell_counts(teams, sizes, n_quarters, n_responses, rng)
    cell_team, cell_quarter = np.divmod(np.arange(n_teams * n_quarters), n_quarters)
    team_idx = np.repeat(cell_team, counts.ravel())
    q_idx = np.repeat(cell_quarter, counts.ravel())
    n = team_idx.size

    # ---- submission times: uniform within the quarter, rows in time order
    starts = np.array([_quarter_start(q) for q in quarters], dtype="datetime64[s]")
    ends = np.array(
        [_quarter_start(schema.previous_quarter(q, -1)) for q in quarters], dtype="datetime64[s]"
    )
    span = (ends - starts).astype(np.int64)
    submitted = starts[q_idx] + (rng.random(n) * span[q_idx]).astype(np.int64).astype(
        "timedelta64[s]"
    )
    order = np.argsort(submitted, kind="stable")
    submitted, team_idx, q_idx = submitted[order], team_idx[order], q_idx[order]
    t = q_idx / max(n_quarters - 1, 1)  # 0 in the first quarter, 1 in the last
    last_q = n_quarters - 1

    def in_team(name, quarter=None):
        if name not in team_pos:
            return np.zeros(n, dtype=bool)
        mask = team_idx == team_pos[name]
        return mask if quarter is None else mask & (q_idx == quarter)

    # ---- customers (some answer several times), their region and plan
    n_customers = max(1, int(n * 2.5))  # about a third of rows come from repeat customers
    customer_numbers = rng.choice(
        np.arange(100_000, 100_000 + max(900_000, 2 * n_customers)),
        size=n_customers,
        replace=False,
    )
    customer_ids = np.char.add("C-", customer_numbers.astype(str))
    customer_emails = np.char.add(np.char.add("c", customer_numbers.astype(str)), "@example.com")
    customer_region = rng.choice(len(_REGIONS), size=n_customers, p=_REGION_P)
    customer_plan = rng.choice(len(_PLANS), size=n_customers, p=_PLAN_P)
    cust = rng.integers(0, n_customers, size=n)
    region_idx, plan_idx = customer_region[cust], customer_plan[cust]
    channel_idx = rng.choice(len(_CHANNELS), size=n, p=_CHANNEL_P)

    # ---- attribute ratings (the "true" rating, before some are skipped)
    team_attr_offset = rng.normal(0.0, 0.45, size=(n_teams, n_attr))
    for name in (_DECLINING_TEAM, _SUSPICIOUS_TEAM, *_IMPROVING_TEAMS):
        if name in team_pos:  # story teams start from the survey-wide average ratings
            team_attr_offset[team_pos[name]] = 0.0
    attr = (
        _ATTR_MEAN
        + team_attr_offset[team_idx]
        + rng.normal(0.0, _HALO_SD, size=(n, 1))
        + rng.normal(0.0, _ATTR_NOISE_SD, size=(n, n_attr))
    )
    a = {name: i for i, name in enumerate(ATTRIBUTES)}
    attr[plan_idx == 2, a["Support speed"]] += 0.4  # Enterprise gets faster support
    # Improving teams: better ratings quarter after quarter.
    for name, gains in _IMPROVEMENTS.items():
        mask = in_team(name)
        for attribute, gain in gains.items():
            attr[mask, a[attribute]] += (t[mask] - 0.5) * gain
    # Declining team: a billing incident in the last quarter hits half its customers.
    hit = in_team(_DECLINING_TEAM, last_q) & (rng.random(n) < 0.5)
    attr[hit, a["Billing accuracy"]] -= 4.0
    attr = np.clip(np.rint(attr), 1, 10)

    # ---- latent satisfaction -> score 0..10
    team_effect = rng.normal(0.0, 0.5, size=n_teams)
    story_effect = {_DECLINING_TEAM: 0.4, _SUSPICIOUS_TEAM: -0.7, _INTERNAL_EMAIL_TEAM: 0.2}
    for name, value in story_effect.items():
        if name in team_pos:
            team_effect[team_pos[name]] = value
    latent = (
        (attr - _ATTR_MEAN) @ _ATTR_WEIGHT
        + team_effect[team_idx]
        + np.array([-0.2, 0.0, 0.4])[plan_idx]
        + rng.normal(0.0, _LATENT_NOISE_SD, size=n)
    )
    for name in _IMPROVING_TEAMS:
        mask = in_team(name)
        latent[mask] += (t[mask] - 0.5) * 0.8
    z = (latent - latent.mean()) / (latent.std() or 1.0)
    score = np.searchsorted(_SCORE_CUTS, z).astype(np.int64)

    # Small swing team: a poor previous quarter then a very good last quarter; the
    # scores are handed out by rank of the latent so they stay coherent.
    if n_quarters >= 2:
        plan = ((last_q - 1, 0.30, 0.35), (last_q, 0.55, 0.15))  # quarter, promoters, detractors
        for quarter, share_pro, share_det in plan:
            mask = in_team(_SMALL_SWING_TEAM, quarter)
            _plant_scores(score, latent, mask, share_pro, share_det, rng)
    # Suspicious team: a sudden surge of 10s in the last quarter only (few comments on them).
    injected = np.zeros(n, dtype=bool)
    cell = in_team(_SUSPICIOUS_TEAM, last_q)
    if cell.any():
        before = in_team(_SUSPICIOUS_TEAM) & (q_idx < last_q)
        usual = (score[before] == 10).mean() if before.any() else 0.2
        target = min(0.95, max(0.72, usual + 0.45))
        candidates = np.flatnonzero(cell & (score < 10))
        missing_tens = int(round(target * cell.sum())) - int((score[cell] == 10).sum())
        k = min(candidates.size, max(0, missing_tens))
        injected[rng.choice(candidates, size=k, replace=False)] = True
        score[injected] = 10

    # Only the suspicious team may show a surge of 10s: where chance alone gives another
    # (tiny) team a last-quarter share of 10s well above its past, demote the extra 10s to 9s.
    if n_quarters >= 2:
        _cap_last_quarter_tens(score, team_idx, q_idx, n_teams, n_quarters,
                               team_pos.get(_SUSPICIOUS_TEAM), rng)

    # Followed-up team: faster support in the last quarter (after the scores, which stay).
    fixed = in_team(_FOLLOWED_UP_TEAM, last_q)
    attr[fixed, a["Support speed"]] = np.minimum(attr[fixed, a["Support speed"]] + _FOLLOWED_UP_GAIN,
                                                 10)

    # ---- comments
    comment = _comments(
        score, attr, injected, in_team(_DECLINING_TEAM, last_q), in_team(_ONBOARDING_TEAM), rng
    )

    # ---- e-mails: a few from an internal domain in one team
    email = customer_emails[cust].astype(object)
    internal = in_team(_INTERNAL_EMAIL_TEAM) & (rng.random(n) < _INTERNAL_EMAIL_SHARE)
    local_parts = np.array(_INTERNAL_LOCAL_PARTS)
    local = local_parts[rng.integers(0, local_parts.size, internal.sum())]
    email[internal] = np.char.add(local, "@" + _INTERNAL_DOMAIN)

    # ---- skipped attribute questions
    ratings = np.where(rng.random((n, n_attr)) < _MISSING_SHARE, np.nan, attr)

    width = max(6, len(str(n)))
    response_ids = np.char.add("R_", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    submitted_text = np.char.add(np.datetime_as_string(submitted, unit="s"), "Z")
    frame = pd.DataFrame(
        {
            COL_RESPONSE_ID: response_ids,
            COL_CUSTOMER_ID: customer_ids[cust],
            COL_EMAIL: email,
            COL_SUBMITTED_AT: submitted_text,
            COL_SCORE: score,
            COL_COMMENT: comment,
            COL_TEAM: np.asarray(teams, dtype=object)[team_idx],
            COL_DEPARTMENT: np.asarray(departments, dtype=object)[team_idx],
            COL_REGION: np.asarray(_REGIONS, dtype=object)[region_idx],
            COL_PLAN: np.asarray(_PLANS, dtype=object)[plan_idx],
            COL_CHANNEL: np.asarray(_CHANNELS, dtype=object)[channel_idx],
            **{name: ratings[:, i] for i, name in enumerate(ATTRIBUTES)},
        },
        columns=COLUMNS,
    )
    return frame


def write_demo_data(out_dir, **kwargs) -> Path:
    """Write the demo export to ``out_dir/nps_demo.csv``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder to write to; created (with its parents) if missing.
    **kwargs
        Passed to :func:`generate_demo_export` (``seed``, ``n_responses``...).

    Returns
    -------
    pathlib.Path
        Path of the CSV file written (UTF-8, no index column).
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nps_demo.csv"
    generate_demo_export(**kwargs).to_csv(path, index=False, encoding="utf-8")
    return path


#: Where :func:`write_demo_returns` puts the returned workbook, inside the demo data folder.
DEMO_RETURNS_FOLDER = "loop-returned"


def write_demo_returns(data_folder, *, team: str | None = None, quarter: str | None = None,
                       seed: int = DEMO_SEED) -> Path:
    """A team lead's returned close-the-loop workbook for the demo, as a lead would fill it.

    Reads the demo survey written by :func:`write_demo_data` in ``data_folder``, draws up
    the team's workbook for ``quarter`` (default: :data:`DEMO_STORY` ``loop_team`` and
    ``loop_quarter``) with :func:`nps_report.loop.write_loop_workbook`, and fills it in with
    openpyxl: most detractors contacted within zero to four days (owner, outcome), some
    unreachable or needing no action, a few left open (they carry over into the next
    quarter's workbook), and two bad rows the build must reject: a contact date before
    the response and a status typed outside the drop-down ("called back").

    Returns
    -------
    pathlib.Path
        The folder holding the returned workbook (``data_folder/loop-returned``): the
        demo build's ``loop.returns``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_demo_data(folder)
    >>> [p.name for p in write_demo_returns(folder).iterdir()]
    ['Billing Operations 2026Q2 close the loop (returned).xlsx']
    """
    from openpyxl import load_workbook

    from . import closeloop, loop

    team = team or DEMO_STORY["loop_team"]
    quarter = quarter or DEMO_STORY["loop_quarter"]
    data_folder = Path(data_folder)
    export = pd.read_csv(data_folder / "nps_demo.csv", dtype={COL_RESPONSE_ID: str, COL_CUSTOMER_ID: str})
    submitted = pd.to_datetime(export[COL_SUBMITTED_AT], utc=True)
    frame = pd.DataFrame({
        schema.RESPONSE_ID: export[COL_RESPONSE_ID], schema.RESPONDENT_ID: export[COL_CUSTOMER_ID],
        "email": export[COL_EMAIL], schema.SUBMITTED_AT: submitted, schema.SCORE: export[COL_SCORE],
        schema.COMMENT: export[COL_COMMENT], schema.TEAM: export[COL_TEAM],
        schema.QUARTER: schema.quarter_label(submitted)})
    detractors, promoters = closeloop.close_the_loop(frame, team=team, quarter=quarter)
    out = data_folder / DEMO_RETURNS_FOLDER
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        old.unlink()
    written = loop.write_loop_workbook(loop.loop_list(detractors), promoters, out)
    written["csv"].unlink()  # the lead returns the workbook only
    book = load_workbook(written["xlsx"])
    sheet = book["Detractors"]
    header = [c.value for c in sheet[1]]
    column = {name: header.index(name) + 1 for name in header}
    rng = np.random.default_rng(seed + 18)
    owners = ["Priya N.", "Tom B.", "Lea M."]
    outcomes = {"resolved": ["refund issued", "invoice corrected", "explained the charge"],
                "contacted": ["call back booked", "waiting for finance"],
                "unreachable": ["no answer after three calls"],
                "no action needed": ["already fixed by billing"]}
    rows = sheet.max_row - 1
    statuses = rng.choice(["resolved", "contacted", "unreachable", "no action needed", ""],
                          size=rows, p=[0.55, 0.12, 0.10, 0.08, 0.15])
    delays = rng.choice([0, 1, 2, 3, 4], size=rows, p=[0.25, 0.35, 0.2, 0.12, 0.08])
    for i, row in enumerate(range(2, sheet.max_row + 1)):
        status = str(statuses[i])
        if not status:
            continue  # left open: carries over into the next quarter
        when = pd.Timestamp(sheet.cell(row=row, column=column["submitted_at"]).value)
        sheet.cell(row=row, column=column["status"]).value = status
        if status != "no action needed":
            contact = (when.normalize() + pd.Timedelta(days=int(delays[i]))).to_pydatetime()
            sheet.cell(row=row, column=column["contacted_on"]).value = contact
        sheet.cell(row=row, column=column["owner"]).value = owners[i % len(owners)]
        sheet.cell(row=row, column=column["outcome"]).value = str(rng.choice(outcomes[status]))
    # Two slips the build must catch: a date before the response, a status typed by hand.
    early = pd.Timestamp(sheet.cell(row=2, column=column["submitted_at"]).value) - pd.Timedelta(days=3)
    sheet.cell(row=2, column=column["status"]).value = "resolved"
    sheet.cell(row=2, column=column["contacted_on"]).value = early.normalize().to_pydatetime()
    sheet.cell(row=3, column=column["status"]).value = "called back"
    sheet.cell(row=3, column=column["note"]).value = "left a voicemail, will try again"
    target = out / f"{team} {quarter} close the loop (returned).xlsx"
    with atomic_path(target) as temporary:
        book.save(temporary)
    written["xlsx"].unlink()
    return out


# ------------------------------------------------------------------------- helpers
def _team_table(n_teams, rng):
    """Names, departments and relative sizes (NaN for small teams) of `n_teams` teams."""
    named = _NAMED_TEAMS[:n_teams]
    teams = [name for name, _, _ in named]
    departments = [dept for _, dept, _ in named]
    sizes = [np.nan if size is None else float(size) for _, _, size in named]
    extra = n_teams - len(named)
    if extra > 0:
        numbers = range(len(named) + 1, n_teams + 1)
        teams += [f"Team {i:03d}" for i in numbers]
        departments += [_DEPARTMENTS[(i - 1) % len(_DEPARTMENTS)] for i in numbers]
        sizes += list(rng.lognormal(np.log(200.0), 0.8, size=extra))
    return teams, departments, np.array(sizes)


def _cell_counts(teams, sizes, n_quarters, n_responses, rng):
    """Responses per (team, quarter): 4-9 per quarter for small teams, the rest multinomial."""
    n_teams = len(teams)
    growth = np.linspace(0.85, 1.2, n_quarters)  # a little more volume in recent quarters
    counts = np.zeros((n_teams, n_quarters), dtype=np.int64)
    small = np.isnan(sizes)
    for i in np.flatnonzero(small):
        low = 6 if teams[i] == _SMALL_SWING_TEAM else 4
        counts[i] = rng.integers(low, 10, size=n_quarters)
    budget = n_responses // 5  # small teams never take more than a fifth of the rows
    if counts.sum() > budget:
        counts = np.floor(counts * (budget / counts.sum())).astype(np.int64)
    rest = n_responses - counts.sum()
    weights = np.where(small, 0.0, sizes)[:, None] * growth[None, :]
    if weights.sum() > 0:
        counts += rng.multinomial(rest, (weights / weights.sum()).ravel()).reshape(counts.shape)
    else:  # only small teams: spread the rest evenly over them
        even = np.full(counts.size, 1.0 / counts.size)
        counts += rng.multinomial(rest, even).reshape(counts.shape)
    return counts


def _quarter_start(label):
    """First second of a calendar quarter as ``numpy.datetime64``."""
    year, q = schema.parse_quarter(label)
    return np.datetime64(f"{year:04d}-{3 * (q - 1) + 1:02d}-01T00:00:00", "s")


def _plant_scores(score, latent, mask, share_pro, share_det, rng):
    """Give the rows of `mask` a fixed mix of promoters/detractors, ranked by latent."""
    rows = np.flatnonzero(mask)
    m = rows.size
    if m == 0:
        return
    n_pro = int(round(share_pro * m))
    n_det = min(int(round(share_det * m)), m - n_pro)
    n_pas = m - n_pro - n_det
    values = np.concatenate([
        np.sort(rng.integers(0, 7, size=n_det)),
        np.sort(rng.integers(7, 9, size=n_pas)),
        np.resize(np.array([9, 10]), n_pro),
    ])
    values = np.sort(values)
    score[rows[np.argsort(latent[rows], kind="stable")]] = values


def _cap_last_quarter_tens(score, team_idx, q_idx, n_teams, n_quarters, exempt, rng, margin=0.10):
    """Demote 10s to 9s so no team but `exempt` has a last-quarter surge of 10s."""
    cell = team_idx * n_quarters + q_idx
    size = np.bincount(cell, minlength=n_teams * n_quarters).reshape(n_teams, n_quarters)
    tens = np.bincount(cell, weights=score == 10, minlength=n_teams * n_quarters)
    share = tens.reshape(n_teams, n_quarters) / np.maximum(size, 1)
    allowed = share[:, :-1].max(axis=1) + margin
    excess = np.ceil(tens.reshape(n_teams, n_quarters)[:, -1] - allowed * size[:, -1] - 1e-9)
    for team in np.flatnonzero((excess > 0) & (size[:, -1] > 0)):
        if team == exempt:
            continue
        rows = np.flatnonzero((cell == team * n_quarters + n_quarters - 1) & (score == 10))
        score[rng.choice(rows, size=int(excess[team]), replace=False)] = 9


def _comments(score, attr, injected, billing_incident, onboarding, rng):
    """English comments (empty string when none) whose theme matches score and ratings."""
    n = score.size
    detractor, promoter = score <= 6, score >= 9
    passive = ~detractor & ~promoter
    p_comment = np.select([detractor, passive], [0.52, 0.30], default=0.40)
    p_comment = np.where(injected, 0.04, p_comment)
    has = rng.random(n) < p_comment

    themes = list(COMMENT_TEMPLATES)
    lengths = np.array([len(COMMENT_TEMPLATES[th]) for th in themes])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.array([text for th in themes for text in COMMENT_TEMPLATES[th]], dtype=object)
    theme_of = np.full(n, -1)

    # Detractors name the theme whose attribute they rated worst (with some noise).
    det_attr = np.array([ATTRIBUTES.index(_THEME_ATTRIBUTE[th]) for th in _DETRACTOR_THEMES])
    prior = np.log(np.array([1.0, 1.0, 0.6, 0.8, 0.6]))
    rows = np.flatnonzero(has & detractor)
    logits = prior + 0.9 * (_ATTR_MEAN[det_attr] - attr[np.ix_(rows, det_attr)])
    choice = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    forced = billing_incident[rows] & (rng.random(rows.size) < 0.6)
    choice[forced] = 0
    det_index = np.array([themes.index(th) for th in _DETRACTOR_THEMES])
    theme_of[rows] = det_index[choice]

    # Promoters praise what they rated best; the onboarding team hears about onboarding.
    pro_index = np.array([themes.index(th) for th in _PROMOTER_THEMES])
    rows = np.flatnonzero(has & promoter)
    logits = np.column_stack([
        np.zeros(rows.size),
        np.where(onboarding[rows], 2.0, -0.3),
        0.5 * (attr[rows, ATTRIBUTES.index("Ease of use")] - 7.0),
        0.5 * (attr[rows, ATTRIBUTES.index("Support speed")] - 7.0),
    ])
    theme_of[rows] = pro_index[np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)]

    # Passives: half a mild complaint, half qualified praise.
    rows = np.flatnonzero(has & passive)
    complain = rng.random(rows.size) < 0.5
    theme_of[rows] = np.where(
        complain,
        det_index[rng.choice(len(det_index), rows.size, p=[0.3, 0.3, 0.15, 0.15, 0.1])],
        pro_index[rng.integers(0, len(pro_index), rows.size)],
    )

    comment = np.full(n, "", dtype=object)
    rows = np.flatnonzero(theme_of >= 0)
    pick = offsets[theme_of[rows]] + (rng.random(rows.size) * lengths[theme_of[rows]]).astype(int)
    comment[rows] = flat[pick]
    # Decorate the passives' comments.
    passive_rows = np.flatnonzero(has & passive)
    prefix = np.array(_PASSIVE_PREFIXES)[rng.integers(0, len(_PASSIVE_PREFIXES), passive_rows.size)]
    suffix = np.array(_PASSIVE_SUFFIXES)[rng.integers(0, len(_PASSIVE_SUFFIXES), passive_rows.size)]
    base = comment[passive_rows].astype(str)
    comment[passive_rows] = np.where(complain, np.char.add(prefix, base), np.char.add(base, suffix))
    # A handful of comments carry fake personal data.
    rows = np.flatnonzero(has)
    pii = rows[rng.random(rows.size) < _PII_SHARE]
    extra = np.array(PII_SUFFIXES)[rng.integers(0, len(PII_SUFFIXES), pii.size)]
    comment[pii] = np.char.add(comment[pii].astype(str), extra)
    return comment
