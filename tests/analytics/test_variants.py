"""Variants: the distinct paths through the statuses, with their counts."""

import pandas as pd

from analytics.variants import SEPARATOR, variants


def test_variants_count_distinct_paths(log: pd.DataFrame) -> None:
    table = variants(log)
    assert len(table) == 7
    top = table.iloc[0]
    assert top["variant"] == SEPARATOR.join(["WaitingForSellerAcceptation", "RefusedBySeller"])
    assert top["orders"] == 2
    assert top["share"] == 0.25
    assert top["median_s"] == 2700.0
    assert table["orders"].sum() == 8


def test_longest_variant_keeps_inferred_statuses(log: pd.DataFrame) -> None:
    table = variants(log).set_index("variant")
    shipped = SEPARATOR.join(
        [
            "WaitingForSellerAcceptation",
            "AcceptedBySeller",
            "PaymentInProgress",
            "WaitingForShipmentAcceptation",
            "ShippedBySeller",
            "Shipped",
        ]
    )
    assert table.loc[shipped, "length"] == 6
    assert table.loc[shipped, "median_s"] == 52 * 3600.0


def test_top_keeps_the_most_frequent(log: pd.DataFrame) -> None:
    assert len(variants(log, top=3)) == 3


def test_unique_rows_is_numpys_unique_of_rows() -> None:
    import numpy as np

    from analytics.variants import unique_rows

    rows = np.random.default_rng(3).integers(-1, 4, size=(500, 6)).astype(np.int32)
    paths, which, counts = unique_rows(rows)
    expected, inverse, tally = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    assert np.array_equal(paths, expected)
    assert np.array_equal(which, inverse.reshape(-1))
    assert np.array_equal(counts, tally)


def test_open_paths_are_told_from_finished_ones(log: pd.DataFrame) -> None:
    finals = {"Shipped", "RefusedBySeller", "AutomaticCancellation", "PaymentRefused"}
    table = variants(log, finals=finals)
    # O4 waits for shipment (acceptance and payment inferred); O7 waits for acceptance.
    still = table.loc[~table["finished"], ["variant", "orders"]].values.tolist()
    assert still == [
        ["WaitingForSellerAcceptation", 1],
        [
            SEPARATOR.join(
                [
                    "WaitingForSellerAcceptation",
                    "AcceptedBySeller",
                    "PaymentInProgress",
                    "WaitingForShipmentAcceptation",
                ]
            ),
            1,
        ],
    ]
    assert table.loc[table["finished"], "orders"].sum() == 6
    # Without the final statuses, every path is open.
    assert not variants(log)["finished"].any()
