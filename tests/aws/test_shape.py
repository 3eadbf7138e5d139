"""The query's shape as the backend sees it: final sort keys named like the service's columns."""

from __future__ import annotations

from trailq.aws.shape import SortKey, apply_final_sort_limit, shape_of


def test_an_expression_sort_key_is_the_column_the_service_names_after_it():
    shape = shape_of("fields user, strlen(user) | sort strlen(user) desc | limit 3")
    assert shape.sort == (SortKey("strlen(user)", True),) and shape.limit == 3
    assert shape_of("fields `detail-type` | sort `detail-type`").sort == (SortKey("detail-type", False),)


def test_merged_rows_are_sorted_on_an_expression_column():
    shape = shape_of("fields user, strlen(user) | sort strlen(user) desc, user")
    rows = [  # two split windows' rows, each window sorted on its own
        {"user": "bo", "strlen(user)": "2"}, {"user": "al", "strlen(user)": "2"},
        {"user": "carol", "strlen(user)": "5"}, {"user": "dan", "strlen(user)": "3"},
    ]
    merged = apply_final_sort_limit(rows, shape)
    assert [r["user"] for r in merged] == ["carol", "dan", "al", "bo"]


def test_dedup_and_unreadable_text_are_never_split():
    assert shape_of("fields @message").splittable
    dedup = shape_of("fields @message | dedup userIdentity.arn")
    assert dedup.dedup and not dedup.aggregating and not dedup.splittable
    assert not shape_of("stats count()").splittable
    assert not shape_of("fields @message | newcmd x").splittable


def test_bounded_to_window_says_when_it_cannot_cut_the_text():
    from trailq.aws.shape import bounded_to_window

    assert bounded_to_window("fields @message | newcmd x", 1000, 2000) is None
    assert "toMillis(@timestamp) >= 1000" in (bounded_to_window("fields @message", 1000, 2000) or "")


def test_bounded_to_window_keeps_chained_sources_first():
    # Dashboards chain one SOURCE per log group; the window filter goes after the last of them.
    from trailq.aws.shape import bounded_to_window
    from trailq.lang import parse

    text = bounded_to_window("SOURCE 'a' | SOURCE `b`\n| filter x = 1", 1000, 2000) or ""
    assert text.startswith("SOURCE 'a' | SOURCE `b`\n| filter toMillis(@timestamp) >= 1000")
    assert not parse(text).warnings
