import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import snowballstemmer

from knowledge.analysis import stem, words

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "knowledge.json"


@pytest.fixture
def fast_thread_switching():
    """Switch threads every microsecond, so that a data race shows at once."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_stem_same_in_parallel_threads(fast_thread_switching):
    text = FIXTURE.read_text(encoding="utf-8")
    russian = sorted({word for word in words(text) if "а" <= word[0] <= "я"})
    reference = snowballstemmer.stemmer("russian")
    expected = [reference.stemWord(word) for word in russian]
    # The undecorated function, because the cache would return stored stems
    # after the first thread and hide a stemmer shared between threads.
    uncached_stem = stem.__wrapped__

    def stem_all(_):
        return [uncached_stem(word) for word in russian]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(stem_all, range(8)))

    assert len(russian) > 500
    for result in results:
        assert result == expected
