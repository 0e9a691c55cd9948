import pytest

from helpers import formats
from helpers.agent import run_agent
from helpers.tasks import (
    CUSTOMERS,
    ORDERS,
    TASKS,
    TOOLS,
    Task,
    answer_matches,
    check_task,
    convert_currency,
    convert_units,
    executed_calls,
    format_results,
    lookup_order,
    make_toolbox,
    numbers_in,
    reference_generate,
    solve_rate,
)
from helpers.toolcalls import ToolCall, parse_tools

BY_ID = {task.id: task for task in TASKS}


@pytest.fixture(scope="module")
def toolbox():
    return make_toolbox()


class Scripted:
    def __init__(self, *turns):
        self.turns = list(turns)

    def __call__(self, messages):
        return self.turns.pop(0)


def call(name, **arguments):
    return formats.format_tool_call(name, arguments)


# --- the tools -------------------------------------------------------------------------------------


def test_every_tool_has_a_schema_with_described_typed_parameters(toolbox):
    schemas = {s["name"]: s for s in toolbox.schemas}
    assert list(schemas) == [f.__name__ for f in TOOLS]
    for schema in schemas.values():
        assert schema["description"]
        for prop in schema["parameters"]["properties"].values():
            assert prop["type"] in ("string", "number") and prop["description"]
    assert "gallons" in schemas["convert_units"]["parameters"]["properties"]["to_unit"]["enum"]
    assert parse_tools(formats.system_prompt(toolbox.schemas)) == toolbox.schemas


@pytest.mark.parametrize("value, source, target, result", [
    (26.2, "miles", "kilometers", 42.16), (12.5, "kilograms", "pounds", 27.56), (5, "gallons", "liters", 18.93),
    (1, "feet", "inches", 12.0), (0.45, "kilograms", "ounces", 15.87), (3, "meters", "meters", 3.0),
])
def test_convert_units(value, source, target, result):
    assert convert_units(value, source, target) == {"result": result}


def test_convert_currency():
    assert convert_currency(84.5, "USD", "EUR") == {"converted": 77.74}
    assert convert_currency(77.74, "EUR", "USD") == {"converted": 84.5}


def test_lookups_accept_sloppy_case_and_spaces():
    assert lookup_order(" a-1002 ")["total"] == ORDERS["A-1002"]["total"]
    assert set(CUSTOMERS) >= {o["customer_id"] for o in ORDERS.values()}


@pytest.mark.parametrize("name, arguments, label, words", [
    ("convert_units", {"value": 1, "from_unit": "miles", "to_unit": "pounds"}, "tool_error", "cannot convert length"),
    ("convert_units", {"value": 1, "from_unit": "parsecs", "to_unit": "miles"}, "value_error", "must be one of"),
    ("convert_units", {"value": "1", "from_unit": "miles", "to_unit": "feet"}, "type_error", "must be number"),
    ("lookup_order", {"order_id": "A-9999"}, "tool_error", "no order 'A-9999'"),
    ("get_customer", {"customer_id": "C-99"}, "tool_error", "no customer"),
    ("get_customer", {}, "missing_required", "customer_id"),
    ("calculate", {"expression": "__import__('os').system('id')"}, "tool_error", "unsupported element"),
    ("convert_currency", {"amount": 1, "from_currency": "USD", "to_currency": "EUR", "fee": 2}, "unexpected_param", "fee"),
])
def test_bad_calls_come_back_as_readable_errors(toolbox, name, arguments, label, words):
    result = toolbox.execute(ToolCall(name, arguments))
    assert (result.ok, result.error) == (False, label)
    assert words in result.content


# --- the tasks ----------------------------------------------------------------------------------


def test_task_ids_are_unique_and_every_tool_is_exercised():
    assert len(TASKS) >= 10
    assert len({t.id for t in TASKS}) == len(TASKS)
    assert {name for t in TASKS for name in t.tools} == {f.__name__ for f in TOOLS}


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_reference_solution_solves_the_task(task):
    report = solve_rate(reference_generate(task), [task])
    assert report["solve_rate"] == 1.0, report["results"][0]["reason"]
    transcript = report["results"][0]["transcript"]
    assert all(ok for _, ok in executed_calls(transcript))
    last_response = [m for m in transcript if m["role"] == "tool"][-1]["content"]
    assert answer_matches(task, last_response), "the last tool result must hold the answer"


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_each_task_needs_two_steps_where_a_later_call_uses_an_earlier_result(task):
    assert len(task.solution) >= 2 and len(task.tools) >= 2
    assert {c.name for turn in task.solution for c in turn} == set(task.tools)
    transcript = run_agent(reference_generate(task), make_toolbox(), task.request, max_turns=10)
    results = [m["content"] for m in transcript if m["role"] == "tool"]
    first_turn_results = " ".join(results[: len(task.solution[0])])
    later_values = [v for turn in task.solution[1:] for c in turn for v in c.arguments.values()]
    carried = [v for v in later_values
               if (isinstance(v, str) and v in first_turn_results and v not in task.request)
               or any(x in numbers_in(first_turn_results) and x not in numbers_in(task.request)
                      for x in numbers_in(str(v)))]
    assert carried, f"no later argument of {task.id} comes from an earlier result"


# --- checking transcripts ------------------------------------------------------------------------


TASK = BY_ID["order-in-eur"]
LOOKUP = call("lookup_order", order_id="A-1002")
CONVERT = call("convert_currency", amount=84.5, from_currency="USD", to_currency="EUR")


@pytest.mark.parametrize("turns, solved, reason", [
    ((LOOKUP, CONVERT, "That is 77.74 EUR."), True, "solved"),
    ((LOOKUP + CONVERT, "About 77.7 euros."), True, "solved"),  # both in one turn, rounded answer
    ((LOOKUP, CONVERT, "<think>It is 77.74.</think>I don't know."), False, "does not state"),
    ((LOOKUP, CONVERT, "That is 84.5 EUR."), False, "does not state"),
    (("It is 77.74 EUR.",), False, "never called lookup_order, convert_currency"),
    ((LOOKUP, "It is 77.74 EUR."), False, "never called convert_currency"),
    ((LOOKUP, call("convert_currency", amount=84.5, from_currency="USD", to_currency="XXX"), "77.74 EUR"), False,
     "never called convert_currency"),  # the failed call does not count
    ((LOOKUP,) * 6, False, "still calling tools"),
    ((LOOKUP, CONVERT, "<tool_call>{'name': oops"), False, "still calling tools"),
])
def test_check_task(turns, solved, reason):
    transcript = run_agent(Scripted(*turns), make_toolbox(), TASK.request, max_turns=len(turns))
    verdict = check_task(TASK, transcript)
    assert verdict[0] is solved and reason in verdict[1]


@pytest.mark.parametrize("text, found", [
    ("The total is 47,468.35 yen.", True),
    ("The total is 47468 yen.", True),
    ("The total is 4746.8 yen.", False),
    ("Order A-1004 costs 250 GBP.", False),
])
def test_numbers_with_thousands_separators_and_tolerance(text, found):
    assert answer_matches(BY_ID["order-in-yen"], text) is found


def test_numbers_in():
    assert numbers_in("A-1002 costs 1,234.5 or -3 (x2.5)") == [1002.0, 1234.5, -3.0]


def test_text_answers_match_case_insensitively():
    task = Task("t", "?", "Nairobi", ("lookup_order",), ())
    assert answer_matches(task, "They live in NAIROBI.") and not answer_matches(task, "Lyon")


def test_solve_rate_reports_each_task():
    seen = []
    report = solve_rate(lambda messages: "I cannot help with that.", TASKS[:3], progress=seen.append)
    assert (report["solve_rate"], report["solved"], report["total"]) == (0.0, 0, 3)
    assert [r["id"] for r in report["results"]] == [t.id for t in TASKS[:3]]
    assert all(r["transcript"][-1]["content"] == "I cannot help with that." for r in report["results"])
    assert len(seen) == 3 and "never called" in seen[0]
    text = format_results(report)
    assert text.splitlines()[-1] == "solved 0 of 3 (0%)"


def test_solve_rate_mixes_successes_and_failures():
    scripts = {t.request: reference_generate(t) for t in TASKS[:2]}
    report = solve_rate(lambda messages: scripts[messages[1]["content"]](messages), TASKS[:2])
    assert report["solve_rate"] == 1.0
    crossed = solve_rate(reference_generate(TASKS[0]), TASKS[:2])  # task 0's solution replayed on task 1 too
    assert (crossed["solved"], crossed["solve_rate"]) == (1, 0.5)
    assert not crossed["results"][1]["solved"]


# --- benchmarks/agent_tasks.py, with a stand-in model ----------------------------------------------


def test_agent_tasks_benchmark_reports_solve_rates_as_json(monkeypatch, capsys, tmp_path, load_benchmark):
    import json

    import helpers.training

    bench = load_benchmark("agent_tasks")
    (tmp_path / helpers.training.META_FILE).write_text(json.dumps({"base_model": "tiny"}))
    monkeypatch.setattr(helpers.training, "load_adapter", lambda d, profile, merge: ("tuned", None))
    monkeypatch.setattr(helpers.training, "load_base", lambda spec, profile, add_tokens: ("base", None, []))
    scripts = {t.request: reference_generate(t) for t in TASKS}
    fake = {"tuned": lambda messages: scripts[messages[1]["content"]](messages), "base": lambda messages: "No idea."}
    guides = []
    monkeypatch.setattr(bench, "model_generator",
                        lambda model, tokenizer, max_new_tokens, tools: guides.append(tools) or fake[model])
    transcripts = tmp_path / "t.jsonl"
    assert bench.main(["--adapter", str(tmp_path), "--base", "--limit", "4", "--transcripts", str(transcripts)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["tasks"], report["base_model"], report["guided"]) == (4, "tiny", False) and guides == [None, None]
    assert (report["fine_tuned"]["solve_rate"], report["base"]["solve_rate"]) == (1.0, 0.0)
    assert list(report["fine_tuned"]["per_task"]) == [t.id for t in TASKS[:4]]
    lines = [json.loads(line) for line in transcripts.read_text().splitlines()]
    assert [line["model"] for line in lines] == ["fine_tuned"] * 4 + ["base"] * 4
    assert bench.main(["--adapter", str(tmp_path), "--limit", "1", "--guided"]) == 0
    assert json.loads(capsys.readouterr().out)["guided"] is True
    assert [s["name"] for s in guides[-1]] == [s["name"] for s in make_toolbox().schemas]
    assert bench.main(["--adapter", str(tmp_path / "missing")]) == 2
