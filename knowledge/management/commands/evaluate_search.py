from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from knowledge.evaluation import (
    EvaluationFileError,
    failure_reason,
    parse_cases,
    run_case,
    summarize,
)


class Command(BaseCommand):
    help = (
        "Measure knowledge-base search on a TSV file of 'question<TAB>expected' "
        "lines, where expected is a case-insensitive regular expression on the "
        "right article's title, or '-' when no article should answer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the TSV file with the questions.")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                cases = parse_cases(handle)
        except (OSError, UnicodeDecodeError, EvaluationFileError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error

        threshold = settings.HELPDESK_CONFIDENCE_THRESHOLD
        outcomes = [run_case(case) for case in cases]
        report = summarize(outcomes, threshold)

        write = self.stdout.write
        write(f"Answerable questions: {report.answerable_count}")
        write(f"Questions without an article: {report.unanswerable_count}")
        write(f"recall@1: {report.recall_at_1:.3f}")
        write(f"recall@3: {report.recall_at_3:.3f}")
        write(f"MRR: {report.mrr:.3f}")
        write(
            f"Without an article, best score below {threshold}: "
            f"{report.unanswerable_handed_off:.3f}"
        )
        write(
            f"Answerable, best score at or above {threshold}: "
            f"{report.answerable_answered:.3f}"
        )

        failures = [
            (outcome, reason)
            for outcome in outcomes
            if (reason := failure_reason(outcome, threshold))
        ]
        write(f"\nFailures: {len(failures)}")
        for outcome, reason in failures:
            expected = outcome.case.expected
            write(
                f"line {outcome.case.line_number}: {outcome.case.query!r} "
                f"(expected {expected.pattern if expected else '-'}): {reason}"
            )
            found = zip(outcome.titles[:3], outcome.scores, strict=False)
            for title, score in found:
                write(f"    {score:.2f}  {title}")
            if not outcome.titles:
                write("    no article found")
