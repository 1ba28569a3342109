"""The demo's loan applications, drawn deterministically with numpy: the same seed and stream give
the same rows on every computer.

An applicant has an age, an annual income, years in work, a credit score, existing debt, a home
(rent, mortgage, own), a purpose, a region, and asks for a loan amount over a term. ``approved``
is the loan officers' decision: a fixed rule over those columns plus the officers' own judgement
(noise). ``shift`` (0 to 1) moves the applicants towards a campaign's audience (younger, lower
incomes and scores, larger loans); ``strict`` is how much stricter the officers became about a
loan's size for the income: at 0 they refuse loans over half of it, at 1 over a quarter.
"""

from typing import Any

import numpy as np
import pandas as pd

REGIONS = ["north", "south", "east", "west"]
HOMES = ["rent", "mortgage", "own"]
PURPOSES = ["car", "home improvement", "debt consolidation", "education", "business"]
TARGET = "approved"
MEDIAN_INCOME = 46_000.0


def generator(seed: int, stream: int) -> np.random.Generator:
    """The random numbers for one part of the story: independent of every other part's, so a
    change to one part leaves the others' rows as they were."""
    return np.random.default_rng([seed, stream])


def applications(
    rng: np.random.Generator,
    rows: int,
    shift: float = 0.0,
    strict: float = 0.0,
    new_region: str | None = None,
) -> pd.DataFrame:
    """``rows`` applications with the officers' decision; ``new_region`` (when given) is where a
    fifth of them come from, somewhere the training data never saw."""
    age = np.clip(np.round(rng.normal(43 - 9 * shift, 11, rows)), 21, 75)
    income = np.round(np.exp(rng.normal(np.log(MEDIAN_INCOME) - 0.15 * shift, 0.35, rows)), -1)
    employment = np.floor(np.minimum(age - 20, rng.gamma(2.0, 3.5 * (1 - 0.4 * shift), rows)))
    credit = np.clip(np.round(rng.normal(690 - 20 * shift, 55, rows)), 300, 850)
    debt = np.round(rng.gamma(1.5, 3_000, rows), -1)
    amount = np.round(income * rng.uniform(0.05, 0.45, rows) * (1 + 0.3 * shift), -1)
    term = rng.choice([12, 24, 36, 48, 60], rows)
    home = rng.choice(HOMES, rows, p=[0.45, 0.35, 0.20])
    purpose = rng.choice(PURPOSES, rows, p=[0.3, 0.2, 0.25, 0.1, 0.15])
    region = rng.choice(REGIONS, rows)
    if new_region is not None:
        region = np.where(rng.random(rows) < 0.2, new_region, region)
    judgement = rng.normal(0, 0.6, rows)
    score = (
        0.012 * (credit - 680)
        + 1.2 * np.log(income / MEDIAN_INCOME)
        - 3.0 * (amount / income - 0.25)
        - 0.00005 * debt
        + 0.04 * employment
        + 0.3 * (home == "own")
        + judgement
    )
    # Stricter officers refuse large loans for the income, whatever else the form says.
    approved = (score > -0.1) & (amount / income < 0.5 - 0.25 * strict)
    columns: dict[str, Any] = {
        "age": age.astype(int),
        "income": income,
        "employment_years": employment.astype(int),
        "credit_score": credit.astype(int),
        "existing_debt": debt,
        "loan_amount": amount,
        "term_months": term,
        "home": home,
        "purpose": purpose,
        "region": region,
        TARGET: np.where(approved, "yes", "no"),
    }
    return pd.DataFrame(columns)


def with_gaps(rng: np.random.Generator, frame: pd.DataFrame, share: float) -> pd.DataFrame:
    """Incomes left blank on about ``share`` of the forms."""
    income = frame["income"].where(rng.random(len(frame)) >= share)
    return frame.assign(income=income)


def with_repeats(rng: np.random.Generator, frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """The same form sent twice ``count`` times."""
    repeated = frame.iloc[np.sort(rng.choice(len(frame), count, replace=False))]
    return pd.concat([frame, repeated], ignore_index=True)
