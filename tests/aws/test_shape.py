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
