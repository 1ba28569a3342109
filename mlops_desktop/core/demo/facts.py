"""What a newcomer reads about the demo, and the facts of its story that text states: kept apart
from the story's building so that the Home pane shows it without loading what builds it."""

from datetime import UTC, datetime, timedelta

MODEL = "Loan approval"
STORY_START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday: day 1 of the served month
DRIFT_FROM_DAY = 18  # a campaign brings other applicants from this day on
_DRIFT_DAY = STORY_START + timedelta(days=DRIFT_FROM_DAY - 1)
GUIDE = (
    "This is the demo workspace: a bank's loan team predicts whether its loan officers approve "
    "an application. Every step is done already: the data's versions and checks in Datasets, "
    "six runs in Experiments, the model's stages and their notes in Models, and in Monitoring a "
    f"month of served applications that drift from {_DRIFT_DAY.day} {_DRIFT_DAY:%B}. Version 3 "
    f"of {MODEL} waits in staging for your decision: promote it, or keep version 2."
)
