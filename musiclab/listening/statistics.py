"""Statistics of listening tests, as a reviewer expects them: intervals, tests, rankings and
agreement, computed by scipy, statsmodels and krippendorff, with careless raters excluded.

    result = analyse(store, "human or machine?")
    result.excluded                 # raters who failed attention checks, and how many
    judged_human(result.answers)    # rate per system, Wilson 95% interval, binomial test
    mos(result.answers)             # mean per system and criterion, 95% bootstrap interval
    preference(result.answers)      # A/B: share preferring the first, Wilson, binomial test
    bradley_terry(result.answers)   # three or more systems ranked from pairwise answers
    agreement(result.answers)       # Krippendorff's alpha
    plot_results(result)            # a figure a teacher can project
"""

from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas

from musiclab.listening.designs import passed_check

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
MAX_FAILED_CHECKS = 0.15  # share of attention checks a rater may fail (BS.1534 post-screening)


@dataclass
class Analysis:
    """A test's answers, tidy, with careless raters set aside.

    Attributes:
        kind: the design's kind. answers: one row per rated clip (or pair) from the raters
        kept (columns depend on the kind; ``rater``, ``item``, ``system`` always).
        checks: one row per attention check answered: rater, item, passed.
        excluded: the raters set aside (failed more than ``MAX_FAILED_CHECKS`` of their checks).
        raters: how many raters answered at all.
    """

    kind: str
    answers: pandas.DataFrame
    checks: pandas.DataFrame
    excluded: list
    raters: int
    criteria: tuple = ()


def analyse(store, test, *, max_failed=MAX_FAILED_CHECKS):
    """Read a test's answers into tidy tables and exclude raters who failed attention checks.

    Args:
        store: a ``ResultsStore``; test: its id or name.
        max_failed: the share of checks a rater may fail and still count.

    Returns:
        An ``Analysis``.
    """
    test = store.test_id(test)
    design = store.design(test)
    items = {item["id"]: item for item in design["items"]}
    responses = store.responses(test)
    rows, checks = [], []
    for rater, item_id, answer in zip(responses["rater"], responses["item"],
                                      responses["answer"]):
        item = items.get(item_id)
        if item is None:
            continue
        passed = passed_check(design, item, answer)
        if passed is not None:
            checks.append((rater, item_id, passed))
            if design["kind"] != "mushra":
                continue  # a check, not a rating
        rows += _tidy(design, item, rater, answer)
    checks = pandas.DataFrame(checks, columns=["rater", "item", "passed"])
    failed = (1 - checks.groupby("rater")["passed"].mean()) if len(checks) else pandas.Series()
    excluded = sorted(failed[failed > max_failed + 1e-12].index)
    columns = {"ab": ["rater", "item", "system", "other", "preferred"],
               "turing": ["rater", "item", "system", "human"],
               "mos": ["rater", "item", "system", "criterion", "score"],
               "mushra": ["rater", "item", "system", "score", "hidden_reference"]}[design["kind"]]
    answers = pandas.DataFrame(rows, columns=columns)
    answers = answers[~answers["rater"].isin(excluded)].reset_index(drop=True)
    return Analysis(design["kind"], answers, checks, excluded, responses["rater"].nunique(),
                    tuple(design.get("criteria", ())))


def _tidy(design, item, rater, answer):
    kind = design["kind"]
    if kind == "ab":
        first, second = item["systems"]
        shown = answer["order"]
        chosen = {"A": shown[0], "B": shown[1]}.get(answer["choice"])
        preferred = None if chosen is None else (first if chosen == item["clips"][0] else second)
        return [(rater, item["id"], first, second, preferred)]
    if kind == "turing":
        return [(rater, item["id"], item["systems"][0], bool(answer["human"]))]
    if kind == "mos":
        return [(rater, item["id"], item["systems"][0], criterion, int(answer[criterion]))
                for criterion in design["criteria"]]
    system_of = dict(zip(item["clips"], item["systems"]))
    return [(rater, item["id"], system_of[int(clip)], float(score),
             int(clip) == item["reference"]) for clip, score in answer["scores"].items()]


def wilson(successes, trials):
    """Wilson 95% interval of a proportion (statsmodels). Returns ``(low, high)``."""
    from statsmodels.stats.proportion import proportion_confint

    if trials == 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(successes, trials, alpha=1 - CONFIDENCE, method="wilson")
    return float(low), float(high)


def binomial_p(successes, trials, chance=0.5):
    """Two-sided exact binomial test against ``chance`` (scipy). Returns the p-value."""
    from scipy.stats import binomtest

    return float(binomtest(int(successes), int(trials), chance).pvalue) if trials else float("nan")


def bootstrap_mean(values, *, seed=0):
    """Mean and its 95% bootstrap interval (scipy, BCa; percentile when BCa is undefined).

    Returns:
        ``(mean, low, high)``.
    """
    from scipy.stats import bootstrap

    values = np.asarray(values, np.float64)
    if len(values) < 2 or np.all(values == values[0]):
        mean = float(values.mean()) if len(values) else float("nan")
        return mean, mean, mean
    result = bootstrap((values,), np.mean, confidence_level=CONFIDENCE,
                       n_resamples=BOOTSTRAP_RESAMPLES, method="BCa",
                       rng=np.random.default_rng(seed))
    low, high = result.confidence_interval
    return float(values.mean()), float(low), float(high)


def judged_human(answers):
    """The "judged human" rate per system of a Turing test.

    Returns:
        A DataFrame: system, answers, judged_human, rate, low, high (Wilson 95%), p (binomial
        test against 0.5: can listeners tell?).
    """
    rows = []
    for system, group in answers.groupby("system", sort=False):
        count, human = len(group), int(group["human"].sum())
        rows.append((system, count, human, human / count, *wilson(human, count),
                     binomial_p(human, count)))
    return pandas.DataFrame(rows, columns=["system", "answers", "judged_human", "rate", "low",
                                           "high", "p"])


def mos(answers):
    """Mean opinion score per system and criterion with 95% bootstrap intervals.

    Returns:
        A DataFrame: system, criterion, ratings, mos, low, high.
    """
    rows = []
    for (system, criterion), group in answers.groupby(["system", "criterion"], sort=False):
        rows.append((system, criterion, len(group), *bootstrap_mean(group["score"])))
    return pandas.DataFrame(rows, columns=["system", "criterion", "ratings", "mos", "low",
                                           "high"])


def mushra(answers):
    """MUSHRA scores per system (hidden reference and anchor included) with bootstrap intervals.

    Returns:
        A DataFrame: system, ratings, score, low, high, sorted best first.
    """
    rows = [(system, len(group), *bootstrap_mean(group["score"]))
            for system, group in answers.groupby("system", sort=False)]
    frame = pandas.DataFrame(rows, columns=["system", "ratings", "score", "low", "high"])
    return frame.sort_values("score", ascending=False, ignore_index=True)


def preference(answers):
    """A/B preference per pair of systems: "no difference" answers are counted, not tested.

    Returns:
        A DataFrame: system, other, answers, no_difference, prefer_system, rate (of those with
        a preference), low, high (Wilson 95%), p (binomial test against 0.5).
    """
    rows = []
    for (system, other), group in answers.groupby(["system", "other"], sort=False):
        chose = group["preferred"].dropna()
        wins = int((chose == system).sum())
        rows.append((system, other, len(group), int(group["preferred"].isna().sum()), wins,
                     wins / len(chose) if len(chose) else float("nan"),
                     *wilson(wins, len(chose)), binomial_p(wins, len(chose))))
    return pandas.DataFrame(rows, columns=["system", "other", "answers", "no_difference",
                                           "prefer_system", "rate", "low", "high", "p"])


def bradley_terry(answers):
    """A Bradley-Terry ranking from pairwise preferences (a logistic regression without
    intercept in statsmodels: P(i beats j) = sigmoid(s_i - s_j), the first system fixed at 0).

    Args:
        answers: A/B answers (``analyse(...).answers``) over three or more systems.

    Returns:
        A DataFrame: system, strength, low, high (95%), win_probability against the average
        system, rank; best first.

    Raises:
        ValueError: with fewer than three systems or no preference answers.
    """
    import statsmodels.api as sm

    decided = answers.dropna(subset=["preferred"])
    systems = list(dict.fromkeys(list(answers["system"]) + list(answers["other"])))
    if len(systems) < 3:
        raise ValueError(f"answers: a Bradley-Terry ranking needs three or more systems, got "
                         f"{len(systems)} (use preference() for two)")
    if decided.empty:
        raise ValueError("answers: no answer preferred either clip")
    index = {system: position for position, system in enumerate(systems)}
    design = np.zeros((len(decided), len(systems)))
    rows = np.arange(len(decided))
    design[rows, [index[s] for s in decided["system"]]] = 1.0
    design[rows, [index[s] for s in decided["other"]]] = -1.0
    won = (decided["preferred"] == decided["system"]).to_numpy(np.float64)
    fitted = sm.Logit(won, design[:, 1:]).fit(disp=0, method="bfgs", maxiter=500)
    strength = np.concatenate([[0.0], fitted.params])
    interval = np.vstack([[0.0, 0.0], np.asarray(fitted.conf_int(1 - CONFIDENCE))])
    centred = strength - strength.mean()
    frame = pandas.DataFrame({"system": systems, "strength": strength, "low": interval[:, 0],
                              "high": interval[:, 1],
                              "win_probability": 1 / (1 + np.exp(-centred))})
    frame = frame.sort_values("strength", ascending=False, ignore_index=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


def agreement(analysis):
    """Krippendorff's alpha between raters (the ``krippendorff`` package): nominal for A/B and
    Turing answers, ordinal for MOS (each criterion a unit), interval for MUSHRA.

    Returns:
        A float: 1 = perfect agreement, 0 = no better than chance.
    """
    answers = analysis.answers
    if analysis.kind == "ab":
        values = answers.assign(value=np.where(  # 0: no difference, 1: first, 2: second
            answers["preferred"].isna(), 0.0,
            np.where(answers["preferred"] == answers["system"], 1.0, 2.0)))
        unit, level = values["item"], "nominal"
    elif analysis.kind == "turing":
        values = answers.assign(value=answers["human"].astype(float))
        unit, level = values["item"], "nominal"
    elif analysis.kind == "mos":
        values = answers.assign(value=answers["score"].astype(float))
        unit, level = values["item"] + "/" + values["criterion"], "ordinal"
    else:
        values = answers.assign(value=answers["score"].astype(float))
        unit, level = values["item"] + "/" + values["system"], "interval"
    table = values.assign(unit=unit).pivot_table(index="rater", columns="unit", values="value",
                                                 aggfunc="first")
    if table.shape[0] < 2 or table.notna().sum(axis=0).max() < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=table.to_numpy(np.float64),
                                    level_of_measurement=level))


def summary(analysis):
    """The headline table of a test, whatever its design (see the functions above)."""
    if analysis.kind == "turing":
        return judged_human(analysis.answers)
    if analysis.kind == "mos":
        return mos(analysis.answers)
    if analysis.kind == "mushra":
        return mushra(analysis.answers)
    systems = set(analysis.answers["system"]) | set(analysis.answers["other"])
    return bradley_terry(analysis.answers) if len(systems) >= 3 else \
        preference(analysis.answers)


def plot_results(analysis, ax=None, *, title=None):
    """Bars with 95% intervals: judged-human rate, MOS, MUSHRA score, or Bradley-Terry
    win probability, with the raters counted and excluded in the title.

    Returns:
        The matplotlib Axes.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(7, 3.2))[1]
    table = summary(analysis)
    kept = analysis.raters - len(analysis.excluded)
    heading = title or (f"{kept} raters ({len(analysis.excluded)} excluded for failed "
                        "attention checks)")
    if analysis.kind == "mos":
        criteria = list(dict.fromkeys(table["criterion"]))
        systems = list(dict.fromkeys(table["system"]))
        width = 0.8 / len(criteria)
        for offset, criterion in enumerate(criteria):
            part = table[table["criterion"] == criterion].set_index("system").loc[systems]
            positions = np.arange(len(systems)) + offset * width
            ax.bar(positions, part["mos"], width, label=criterion,
                   yerr=[part["mos"] - part["low"], part["high"] - part["mos"]], capsize=3)
        ax.set_xticks(np.arange(len(systems)) + 0.4 - width / 2, systems)
        ax.set_ylim(1, 5)
        ax.set_ylabel("mean opinion score")
        ax.legend(fontsize=8, ncols=len(criteria))
    else:
        value = {"turing": "rate", "mushra": "score"}.get(analysis.kind)
        if value is None:
            value = "win_probability" if "win_probability" in table else "rate"
        if value == "win_probability":
            low = high = table[value]
        else:
            low, high = table["low"], table["high"]
        labels = table["system"] if "other" not in table else \
            table["system"] + " vs " + table["other"]
        ax.bar(labels, table[value], color="#4c72b0",
               yerr=[table[value] - low, high - table[value]], capsize=4)
        if analysis.kind in ("turing", "ab"):
            ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
        ax.set_ylabel({"rate": "judged human" if analysis.kind == "turing" else "preferred",
                       "score": "MUSHRA score (0-100)",
                       "win_probability": "P(beats the average system)"}[value])
    ax.set_title(heading, fontsize=10)
    return ax
