"""The tokenizer's work grows linearly with its input, however many interchanges the input holds.

Work is counted, not timed: with tracemalloc on, the memory a tokenizer allocates between two yielded segments
(peak above the level at the previous segment) is what it copied or split for that step. Summed over a file it
is a deterministic measure of the text handled; a tokenizer that re-joins and re-splits the rest of its buffer
at every IEA handles it quadratically.
"""

from __future__ import annotations

import io
import tracemalloc

from hhbill.x12 import SegmentStream

ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260210*1200*^*00501*{n:09d}*0*P*:~"


def empty_interchanges(count: int) -> str:
    """``count`` interchanges, each an ISA, an empty GS/GE group and an IEA (about 200 characters each)."""
    return "".join(
        ISA.format(n=n) + f"GS*HC*SENDER*RECEIVER*20260210*1200*{n}*X*005010X223A2~GE*0*{n}~IEA*1*{n:09d}~"
        for n in range(1, count + 1)
    )


def work_to_tokenize(text: str) -> tuple[int, int]:
    """(segments read, bytes allocated in transient steps while reading them)."""
    stream = SegmentStream(io.StringIO(text))
    tracemalloc.start()
    try:
        work = segments = 0
        tracemalloc.reset_peak()
        for _ in stream:
            current, peak = tracemalloc.get_traced_memory()
            work += peak - current
            segments += 1
            tracemalloc.reset_peak()
    finally:
        tracemalloc.stop()
    return segments, work


def test_many_empty_interchanges_are_tokenized_in_linear_work() -> None:
    small, large = empty_interchanges(500), empty_interchanges(2000)
    small_segments, small_work = work_to_tokenize(small)
    large_segments, large_work = work_to_tokenize(large)
    assert (small_segments, large_segments) == (2000, 8000)
    # 4x the input: linear work is about 4x; re-splitting the rest of the buffer at each IEA is about 16x
    assert large_work < 6 * small_work, (small_work, large_work)
    # and bounded per input character, not growing with the number of interchanges before it
    assert large_work < 40 * len(large), (large_work, len(large))


def test_interchanges_with_alternating_delimiters_stay_linear() -> None:
    def alternating(count: int) -> str:
        parts = []
        for n in range(1, count + 1):
            one = ISA.format(n=n) + f"GS*HC*S*R*20260210*1200*{n}*X*005010X223A2~GE*0*{n}~IEA*1*{n:09d}~"
            parts.append(one if n % 2 else one.replace("*", "|").replace("~", "!"))
        return "".join(parts)

    small_segments, small_work = work_to_tokenize(alternating(500))
    large_segments, large_work = work_to_tokenize(alternating(2000))
    assert (small_segments, large_segments) == (2000, 8000)
    assert large_work < 6 * small_work, (small_work, large_work)
