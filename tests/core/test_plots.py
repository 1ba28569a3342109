"""Run charts stay readable at the size the Experiments pane gives them."""

from matplotlib.backends.backend_agg import FigureCanvasAgg

from mlops_desktop.core.experiments.plots import confusion_cell, confusion_figure, importance_figure


def test_importance_ticks_do_not_run_into_each_other() -> None:
    """Permutation importance can be negative; with long column names the bars get a narrow
    strip, where six or seven numbers like -0.025 used to print over one another."""
    evaluation = {
        "importance_method": "permutation",
        "importance": {
            "flavanoids": 0.13,
            "color_intensity": 0.065,
            "od280/od315_of_diluted_wines": 0.055,
            "hue": 0.009,
            "nonflavanoid_phenols": -0.009,
            "proanthocyanins": -0.018,
        },
    }
    figure = importance_figure(evaluation)
    figure.set_size_inches(5.4, 3.3)  # the chart's place beside the run's details
    FigureCanvasAgg(figure).draw()
    boxes = [
        label.get_window_extent()
        for label in figure.axes[0].get_xticklabels()
        if label.get_text() and label.get_visible()
    ]
    assert len(boxes) >= 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_a_point_of_the_confusion_matrix_names_its_cell() -> None:
    """Cell (true class i, predicted j) is drawn centred on (j, i) and reaches half a cell each
    way; a point beside the matrix names none."""
    evaluation = {"classes": ["no", "yes"], "confusion": [[5, 1], [2, 7]]}
    axes = confusion_figure(evaluation).axes[0]
    (left, right), (bottom, top) = axes.get_xlim(), axes.get_ylim()
    assert (left, right) == (-0.5, 1.5) and sorted((bottom, top)) == [-0.5, 1.5]
    assert confusion_cell(evaluation, 1.0, 0.0) == ("no", "yes")  # true no, predicted yes
    assert confusion_cell(evaluation, 0.4, 1.45) == ("yes", "no")
    assert confusion_cell(evaluation, 1.6, 0.0) is None
    assert confusion_cell(evaluation, 0.0, -0.6) is None
