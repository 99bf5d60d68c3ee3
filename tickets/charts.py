"""Geometry for the statistics page's SVG charts.

Every coordinate is a whole number of SVG user units, so templates can print
them without locale-specific decimal separators.
"""

BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 180
BAR_AREA_WIDTH = 300
VALUE_WIDTH = 80

COLUMN_AREA_HEIGHT = 160
COLUMN_WIDTH = 14
COLUMN_GAP = 4
AXIS_HEIGHT = 20
# Room at both ends for the centred labels of the first and last columns.
COLUMN_PADDING = 24


def bar_chart(rows):
    """Lay out horizontal bars for (label, value) rows.

    Returns a dict with the SVG ``width`` and ``height`` and a list of
    ``bars``, each with its label, value and coordinates.
    """
    largest = max((value for _, value in rows), default=0)
    bars = []
    for index, (label, value) in enumerate(rows):
        y = index * (BAR_HEIGHT + BAR_GAP)
        length = round(BAR_AREA_WIDTH * value / largest) if largest else 0
        bars.append(
            {
                "label": label,
                "value": value,
                "y": y,
                "text_y": y + BAR_HEIGHT - 4,
                "length": length,
                "value_x": LABEL_WIDTH + length + 6,
            }
        )
    return {
        "width": LABEL_WIDTH + BAR_AREA_WIDTH + VALUE_WIDTH,
        "height": max(len(rows) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
    }


def column_chart(points, label_every=7):
    """Lay out vertical columns for (label, value) points in order.

    The last column and every ``label_every``-th one before it get their
    labels under the axis.
    """
    largest = max((value for _, value in points), default=0)
    columns = []
    for index, (label, value) in enumerate(points):
        height = round(COLUMN_AREA_HEIGHT * value / largest) if largest else 0
        x = COLUMN_PADDING + index * (COLUMN_WIDTH + COLUMN_GAP)
        columns.append(
            {
                "label": label,
                "value": value,
                "x": x,
                "label_x": x + COLUMN_WIDTH // 2,
                "y": COLUMN_AREA_HEIGHT - height,
                "height": height,
                "show_label": (len(points) - 1 - index) % label_every == 0,
            }
        )
    return {
        "width": 2 * COLUMN_PADDING + len(points) * (COLUMN_WIDTH + COLUMN_GAP),
        "height": COLUMN_AREA_HEIGHT + AXIS_HEIGHT,
        "area_height": COLUMN_AREA_HEIGHT,
        "label_y": COLUMN_AREA_HEIGHT + AXIS_HEIGHT - 4,
        "column_width": COLUMN_WIDTH,
        "columns": columns,
    }
