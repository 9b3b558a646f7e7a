"""Plain-text tables: readable in a terminal and in a CI log alike."""

from collections.abc import Sequence


def render(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align columns (text left, numbers right) under a title."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for cell, width in zip(cells, widths, strict=True):
            text = str(cell)
            numeric = text[:1].isdigit() or text[:1] in "<>~-"
            out.append(text.rjust(width) if numeric and cells is not header else text.ljust(width))
        return "  ".join(out).rstrip()

    rule = "-" * len(line(header))
    return "\n".join([title, rule, line(header), rule, *(line(row) for row in rows), rule])


def seconds(value: float) -> str:
    """Seconds, or milliseconds below one second."""
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.1f} ms"


def millis(value: float) -> str:
    """Milliseconds with enough digits for sub-millisecond values."""
    return f"{value * 1000:.2f} ms" if value < 0.01 else f"{value * 1000:.1f} ms"


def ratio(old: float, new: float) -> str:
    """How many times faster the new time is ("-" when the new time was not measured)."""
    return f"{old / new:.1f}x" if new > 0 else "-"
