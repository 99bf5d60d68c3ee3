import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from knowledge.evaluation import EvaluationFileError, parse_cases


def run(path):
    output = StringIO()
    call_command("evaluate_search", str(path), stdout=output)
    return output.getvalue()


def test_reports_metrics(knowledge_base, tmp_path):
    path = tmp_path / "queries.tsv"
    path.write_text(
        "# comment\n"
        "впн\tvpn\n"
        "принтер жует бумагу\tбумаг\n"
        "outlook\tпочт|mail\n"
        "\n"
        "как оформить отпуск\t-\n",
        encoding="utf-8",
    )

    output = run(path)

    assert "Answerable questions: 3" in output
    assert "Questions without an article: 1" in output
    assert "recall@1: 1.000" in output
    assert "recall@3: 1.000" in output
    assert "MRR: 1.000" in output
    assert "Without an article, best score below 0.6: 1.000" in output
    assert "Failures: 0" in output


def test_lists_failures(knowledge_base, tmp_path):
    path = tmp_path / "queries.tsv"
    path.write_text("впн\tпринтер\nпринтер\t-\n", encoding="utf-8")

    output = run(path)

    assert "recall@3: 0.000" in output
    assert "line 1: 'впн' (expected принтер): right article not in the top 3" in output
    assert (
        "line 2: 'принтер' (expected -): answered a question no article covers"
        in output
    )


def test_missing_file_fails(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.tsv")


def test_line_without_tab_rejected():
    with pytest.raises(EvaluationFileError, match="Line 2 is invalid"):
        parse_cases(["впн\tvpn\n", "впн vpn\n"])


def test_invalid_regex_rejected():
    with pytest.raises(EvaluationFileError, match="invalid regular expression"):
        parse_cases(["впн\t(vpn\n"])


def test_parses_cases():
    cases = parse_cases(["# header\n", "Outlook\tMail\n", "отпуск\t-\n"])

    assert [case.query for case in cases] == ["Outlook", "отпуск"]
    assert cases[0].expected == re.compile("Mail", re.IGNORECASE)
    assert cases[1].expected is None
