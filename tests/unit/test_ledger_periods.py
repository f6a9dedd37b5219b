"""The ledger's calendar arithmetic and its chart (pure)."""

from __future__ import annotations

from datetime import date

from app.ledger.charts import given_received_svg
from app.ledger.ledger import months_back, period_start
from app.ledger.reports import buckets


def test_months_back_keeps_the_day_or_takes_the_months_last():
    assert months_back(date(2026, 11, 30), 6) == date(2026, 5, 30)
    assert months_back(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_back(date(2024, 8, 31), 6) == date(2024, 2, 29)
    assert months_back(date(2026, 1, 15), 12) == date(2025, 1, 15)
    assert months_back(date(2026, 1, 31), -1) == date(2026, 2, 28)


def test_periods():
    today = date(2026, 3, 31)
    assert period_start("6m", today) == date(2025, 9, 30)
    assert period_start("12m", today) == date(2025, 3, 31)
    assert period_start("all", today) is None


def test_report_buckets():
    today = date(2026, 2, 10)
    months = buckets(today, "month")
    assert [b.key for b in months][:2] == ["2025-03", "2025-04"] and months[-1].key == "2026-02"
    quarters = buckets(today, "quarter")
    assert [b.key for b in quarters] == ["2024-K2", "2024-K3", "2024-K4", "2025-K1", "2025-K2", "2025-K3",
                                         "2025-K4", "2026-K1"]
    assert [b.key for b in buckets(today, "year")] == ["2024", "2025", "2026"]


def test_chart_escapes_and_draws_two_bars_a_month():
    svg = given_received_svg([("<jan>", 3, 1), ("feb", 0, 2)], title="T & <t>", given_label="Givet",
                             received_label="Modtaget")
    assert svg.startswith("<svg") and "<jan>" not in svg and "&lt;jan&gt;" in svg
    assert "T &amp; &lt;t&gt;" in svg
    assert svg.count("<rect") == 4 + 2  # two bars a month and the legend's two swatches
