"""benchmarks/hermes_probe.py: the hand-written probe in the public hermes style."""

from __future__ import annotations

import pytest

from helpers import generator as g
from helpers.data import load_conversations
from helpers.evaluation import example_from_row
from helpers.toolcalls import validate_arguments


@pytest.fixture(scope="module")
def probe(load_benchmark):
    return load_benchmark("hermes_probe")


def test_shipped_probe_file_is_what_the_script_writes(probe, tmp_path):
    fresh = probe.write_probe(tmp_path / "probe.jsonl")
    assert probe.PROBE_FILE.read_bytes() == fresh.read_bytes(), "run: python benchmarks/hermes_probe.py"


def test_every_row_loads_and_every_expected_call_fits_its_schema(probe):
    rows, problems = load_conversations(probe.PROBE_FILE)
    assert problems == [] and len(rows) == len(probe.ROWS) == 40
    counts = [len(example_from_row(r)["expected"]) for r in rows]
    assert (counts.count(1), counts.count(2), counts.count(0)) == (30, 6, 4)
    for row in rows:
        by_name = {t["name"]: t for t in row["tools"]}
        for call in example_from_row(row)["expected"]:
            assert validate_arguments(call.arguments, by_name[call.name]["parameters"]) == [], row["id"]


def test_probe_is_written_unlike_the_shipped_data(probe):
    assert not set(probe.TOOLS) & set(g.TOOLS_BY_NAME), "a probe tool shares its name with a generated one"
    record = probe.probe_rows()[0]
    system = record["conversations"][0]["value"]
    assert "'type': 'function'" in system and '"name"' not in system  # Python literals, wrapped
    assert record["conversations"][2]["value"].count("'name'") == 1  # calls in single quotes too
    kinds = {p["type"] for t in probe.TOOLS.values() for p in t["function"]["parameters"]["properties"].values()}
    assert kinds == {"string", "integer", "number", "boolean", "array"}
    assert all("description" in p for t in probe.TOOLS.values() for p in t["function"]["parameters"]["properties"].values())
