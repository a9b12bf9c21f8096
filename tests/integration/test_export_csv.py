"""The csv export of a snapshot read from a real store, parsed back cell by cell."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from projections.snapshot import Snapshot, TimelineEntry
from tests.support import ok
from timeline.casefile import demo_case
from timeline.exporters.csv import COLUMNS, render_csv
from timeline.service import Service

SLUG = "geneva"
QUOTED = 'Truce "holds"\nsecond line'
COMMAS = "Talks resume, again; both sides agree"
CRLF_TEXT = "First line\r\nsecond line, after CRLF"
FORMULA = '=HYPERLINK("https://evil.example","click")'
APOSTROPHE = "'Peace' first"
UNICODE = "Cessez-le-feu à Genève — 停火"


def record(app: Service) -> None:
    """Talks dated to a month; developments to a year and to days; stances
    whose text a spreadsheet would run; and the undated demo talks."""
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR", "RUS"], on="2024-07",
                   sources=["https://example.org/opened"])  # fmt: skip
    app.record_development(SLUG, "2024-07-23", COMMAS,
                           ["https://example.org/a", "Wire report"])  # fmt: skip
    app.record_development(SLUG, "2024", QUOTED)
    app.record_development(SLUG, "2024-08-02", CRLF_TEXT)
    app.record_development(SLUG, "2024-08-03", UNICODE)
    app.record_stance(SLUG, "UKR", FORMULA, ["Security"], on="2024-07-20")
    app.record_stance(SLUG, "RUS", APOSTROPHE, on="2024-07-21")
    app.record_stance(SLUG, "TUR", "+1 for mediation", on="2024-07-22")
    app.record_stance(SLUG, "CHN", "-", on="2024-07-22")
    app.record_case(demo_case())


@pytest.fixture
def snapshot(app: Service) -> Snapshot:
    record(app)
    return app.queries.snapshot()


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def recorded(cell: str) -> str:
    """The recorded text of a cell: the module's neutralisation undone."""
    return cell[1:] if cell.startswith("'") else cell


def dated(snapshot: Snapshot) -> list[TimelineEntry]:
    return [entry for entry in snapshot["timeline"] if entry["date"] is not None]


def expected_cells(entry: TimelineEntry) -> list[str]:
    return [
        entry["date"] or "",
        entry["lower"] or "",
        entry["upper"] or "",
        entry["talks"],
        entry["kind"],
        entry["ref"],
        "; ".join(entry["actors"]),
        entry["text"],
        "; ".join(entry["sources"]),
        "; ".join(entry["tags"]),
        entry["recorded_at"],
        entry["recorded_by"],
        entry["grade"] or "",
        "; ".join(entry["cited"]),
    ]


def test_a_header_then_one_row_per_dated_entry_in_timeline_order(
    snapshot: Snapshot,
) -> None:
    rows = parse(render_csv(snapshot))

    assert rows[0] == list(COLUMNS)
    assert rows[0] == ["date", "lower", "upper", "talks", "kind", "ref", "actors",
                       "text", "sources", "tags", "recorded_at",
                       "recorded_by", "grade", "cites"]  # fmt: skip
    assert [row[5] for row in rows[1:]] == [e["ref"] for e in dated(snapshot)]
    assert len(rows) - 1 == 9  # the talks, four developments, four stances
    assert all(len(row) == len(COLUMNS) for row in rows)


def test_every_cell_is_the_snapshots(snapshot: Snapshot) -> None:
    rows = parse(render_csv(snapshot))[1:]

    entries = dated(snapshot)
    assert len(rows) == len(entries)
    for row, entry in zip(rows, entries, strict=True):
        assert [recorded(cell) for cell in row] == expected_cells(entry)


def test_undated_entries_are_left_out(snapshot: Snapshot) -> None:
    undated = [e for e in snapshot["timeline"] if e["date"] is None]
    assert {e["talks"] for e in undated} == {"beijing-talks"}

    rows = parse(render_csv(snapshot))[1:]

    assert all(row[0] for row in rows)
    assert "beijing-talks" not in {row[3] for row in rows}
    ids = {(row[3], row[5]) for row in rows}
    assert not ids & {(e["talks"], e["ref"]) for e in undated}


def test_commas_quotes_and_line_breaks_round_trip(snapshot: Snapshot) -> None:
    text = render_csv(snapshot)
    texts = [row[7] for row in parse(text)[1:]]

    for original in (QUOTED, COMMAS, CRLF_TEXT, UNICODE):
        assert original in texts
    assert '"Truce ""holds""\nsecond line"' in text
    assert f'"{COMMAS}"' in text
    sources = {row[5]: row[8] for row in parse(text)[1:]}
    assert sources["development:1"] == "https://example.org/a; Wire report"
    assert sources["talks"] == "https://example.org/opened"
    actors = {row[5]: row[6] for row in parse(text)[1:]}
    assert actors["talks"] == "UKR; RUS"


def test_rows_end_in_crlf_and_nothing_else_breaks_a_line(snapshot: Snapshot) -> None:
    text = render_csv(snapshot)
    rows = parse(text)
    inner = [cell for row in rows for cell in row]

    assert text.endswith("\r\n")
    assert text.count("\r\n") == len(rows) + sum(c.count("\r\n") for c in inner)
    assert text.count("\n") == len(rows) + sum(c.count("\n") for c in inner)
    assert text.count("\r") == len(rows) + sum(c.count("\r") for c in inner)


def test_utf8_without_bom(snapshot: Snapshot) -> None:
    data = render_csv(snapshot).encode("utf-8")

    assert not data.startswith(b"\xef\xbb\xbf")
    assert UNICODE.encode("utf-8") in data


def test_cells_a_spreadsheet_would_run_get_an_apostrophe(snapshot: Snapshot) -> None:
    rows = parse(render_csv(snapshot))[1:]
    texts = {row[5]: row[7] for row in rows}

    assert texts["stance:UKR"] == "'" + FORMULA
    assert texts["stance:TUR"] == "'+1 for mediation"
    assert texts["stance:CHN"] == "'-"
    assert texts["stance:RUS"] == "''Peace' first"  # so that it stays reversible
    assert texts["development:1"] == COMMAS  # everything else is verbatim
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_same_snapshot_same_text(app: Service) -> None:
    record(app)

    first = render_csv(app.queries.snapshot())

    assert render_csv(app.queries.snapshot()) == first


def test_an_empty_store_gives_the_header_alone(app: Service) -> None:
    assert render_csv(app.queries.snapshot()) == ",".join(COLUMNS) + "\r\n"


def test_the_command_writes_the_text_unchanged(app: Service, tmp_path: Path) -> None:
    record(app)
    output = tmp_path / "timeline.csv"

    ok("export", "--format", "csv", "-o", str(output))

    assert output.read_bytes() == render_csv(app.queries.snapshot()).encode()
