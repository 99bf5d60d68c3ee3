from tickets import charts


def test_bar_lengths_scale_to_largest():
    chart = charts.bar_chart([("a", 10), ("b", 5), ("c", 0)])

    lengths = [bar["length"] for bar in chart["bars"]]
    assert lengths == [charts.BAR_AREA_WIDTH, charts.BAR_AREA_WIDTH // 2, 0]


def test_bars_all_zero():
    chart = charts.bar_chart([("a", 0), ("b", 0)])

    assert [bar["length"] for bar in chart["bars"]] == [0, 0]


def test_bar_coordinates_are_integers():
    chart = charts.bar_chart([("a", 3), ("b", 7)])

    for bar in chart["bars"]:
        for key in ("y", "text_y", "length", "value_x"):
            assert isinstance(bar[key], int)


def test_columns_label_last_point():
    points = [(f"03-{day:02d}", day) for day in range(1, 31)]

    chart = charts.column_chart(points, label_every=7)

    labelled = [column["label"] for column in chart["columns"] if column["show_label"]]
    assert labelled == ["03-02", "03-09", "03-16", "03-23", "03-30"]


def test_tallest_column_fills_area():
    chart = charts.column_chart([("a", 1), ("b", 4)])

    tallest = chart["columns"][1]
    assert tallest["height"] == charts.COLUMN_AREA_HEIGHT
    assert tallest["y"] == 0
