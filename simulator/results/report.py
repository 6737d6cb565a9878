"""The summary of a run as a table a person reads in a terminal or a text file.

Sections follow the questions a merchant asks: where did my orders end, how many did the
timers cancel, how fast did the seller act, which commands were refused and why, what did the
engine not accept, and how much did the 15-minute polls miss.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

WIDTH = 72


def _section(title: str, rows: Iterable[tuple[str, str]]) -> list[str]:
    lines = ["", title, "-" * len(title)]
    rows = list(rows)
    if not rows:
        return [*lines, "  (none)"]
    width = max(len(label) for label, _ in rows)
    lines.extend(f"  {label:<{width}}  {value:>15}" for label, value in rows)
    return lines


def _listing(title: str, rows: Iterable[tuple[int, str]]) -> list[str]:
    """Counted sentences, the count first: reasons and messages are too long for a column."""
    lines = ["", title, "-" * len(title)]
    rows = list(rows)
    if not rows:
        return [*lines, "  (none)"]
    lines.extend(f"  {count:>9,}  {text}" for count, text in rows)
    return lines


def _share(count: int, total: int) -> str:
    return f"{count:,} ({100.0 * count / total:4.1f}%)" if total else f"{count:,}"


def _number(value: float | None, decimals: int = 2) -> str:
    """A measured figure, or a dash when there was nothing to measure."""
    return "–" if value is None else f"{value:,.{decimals}f}"


def _seller_rows(seller: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for action, figures in seller.items():
        rows.append((f"{action}: commands sent", f"{figures['sent']:,}"))
        if figures.get("refused"):
            rows.append((f"{action}: refused by the engine", f"{figures['refused']:,}"))
        if "median_hours" in figures:
            rows.append(
                (f"{action}: hours at the status (median)", _number(figures["median_hours"]))
            )
            rows.append((f"{action}: hours at the status (p90)", _number(figures["p90_hours"])))
    return rows


def _orders(summary: Mapping[str, Any]) -> list[str]:
    total = summary["orders"]
    lines = _section(
        "Orders",
        [
            ("orders", f"{total:,}"),
            ("fulfilled by the marketplace", f"{summary['fulfilled_by_marketplace']:,}"),
            ("still open at the end", f"{summary['open_at_end']:,}"),
        ],
    )
    lines += _section(
        "By final stage", [(k, _share(v, total)) for k, v in summary["final_stage"].items()]
    )
    lines += _section(
        "By final status", [(k, _share(v, total)) for k, v in summary["final_status"].items()]
    )
    return lines


def _polls(summary: Mapping[str, Any]) -> list[str]:
    visibility, polls, agree = summary["visibility"], summary["polls"], summary["engine_vs_truth"]
    return _section(
        "What the polls saw",
        [
            ("fetches", f"{polls['fetches']:,}"),
            ("of which sweep windows", f"{polls['sweep_windows']:,}"),
            ("true status changes", f"{visibility['true_changes']:,}"),
            ("seen by a poll", f"{visibility['seen_by_polls']:,}"),
            ("missed by the polls", f"{visibility['missed_by_polls']:,}"),
            ("inferred by the engine", f"{visibility['inferred_by_engine']:,}"),
            ("orders where the engine ends on the truth", f"{agree['same_status']:,}"),
            ("orders where it does not", f"{agree['different_status']:,}"),
        ],
    )


def _outbox(summary: Mapping[str, Any]) -> list[str]:
    outbox = summary["outbox"]
    return _section(
        "Outbox",
        [
            ("commands sent", f"{outbox['sent']:,}"),
            ("confirmed by a later fetch", f"{outbox['confirmed']:,}"),
            ("unconfirmed at the end", f"{outbox['unconfirmed']:,}"),
            ("minutes to confirm (median)", _number(outbox["median_minutes_to_confirm"], 1)),
        ],
    )


def render(summary: Mapping[str, Any]) -> str:
    """The summary as text, one section per question."""
    head = (
        f"Scenario '{summary['scenario']}' on {summary['rules']}: {summary['days']} days "
        f"from {summary['start']}, seed {summary['seed']}"
    )
    lines = [head, "=" * min(len(head), WIDTH), *_orders(summary)]
    lines += _section("Timers fired", [(k, f"{v:,}") for k, v in summary["timers"].items()])
    lines += _section("Seller", _seller_rows(summary["seller"]))
    lines += _listing(
        "Commands refused, and why",
        [(r["count"], f"{r['action']}: {r['reason']}") for r in summary["refused"]],
    )
    lines += _listing(
        "Anomalies", [(a["count"], f"{a['kind']}: {a['message']}") for a in summary["anomalies"]]
    )
    return "\n".join([*lines, *_polls(summary), *_outbox(summary)]) + "\n"
