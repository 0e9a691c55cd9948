"""Real local tools for the agent lesson, and a fixed set of multi-step tasks with automatic checks.

The tools are ordinary typed Python functions with Google-style docstrings, so
`transformers.utils.get_json_schema` (inside `agent.Toolbox`) turns each into the schema the model
sees. They run locally over fixed tables: a unit converter, a currency converter, the safe
`calculate` from `helpers.agent`, and two lookups in a small in-memory shop database.

Every task in `TASKS` needs at least two tool calls where a later call uses an earlier result
("look up the order, then convert its total"). `check_task` decides from a transcript alone
whether a task was solved: the last turn is an answer (no call), it contains the right number
(within a tolerance) or the right name, and every tool the task needs was called successfully.
`solve_rate` runs `run_agent` on each task and reports the share solved with every transcript.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable, Literal

from . import formats
from .agent import Toolbox, calculate, run_agent
from .toolcalls import ToolCall, ToolCallError, parse_tool_calls

# --- the data behind the tools ------------------------------------------------------------------

# unit -> (dimension, size in the dimension's base unit: meters, kilograms, liters)
UNITS = {
    "meters": ("length", 1.0),
    "kilometers": ("length", 1000.0),
    "centimeters": ("length", 0.01),
    "miles": ("length", 1609.344),
    "feet": ("length", 0.3048),
    "inches": ("length", 0.0254),
    "kilograms": ("mass", 1.0),
    "grams": ("mass", 0.001),
    "pounds": ("mass", 0.45359237),
    "ounces": ("mass", 0.028349523125),
    "liters": ("volume", 1.0),
    "milliliters": ("volume", 0.001),
    "gallons": ("volume", 3.785411784),
}
Unit = Literal["meters", "kilometers", "centimeters", "miles", "feet", "inches", "kilograms", "grams", "pounds",
               "ounces", "liters", "milliliters", "gallons"]

USD_RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0, "CHF": 0.88, "CAD": 1.36}  # per US dollar
Currency = Literal["USD", "EUR", "GBP", "JPY", "CHF", "CAD"]

ORDERS = {
    "A-1001": {"customer_id": "C-01", "items": ["desk lamp", "notebook"], "total": 42.0, "currency": "USD",
               "weight_kg": 1.8, "status": "shipped"},
    "A-1002": {"customer_id": "C-02", "items": ["running shoes"], "total": 84.5, "currency": "USD",
               "weight_kg": 3.2, "status": "processing"},
    "A-1003": {"customer_id": "C-03", "items": ["headphones", "cable"], "total": 129.99, "currency": "EUR",
               "weight_kg": 0.45, "status": "delivered"},
    "A-1004": {"customer_id": "C-01", "items": ["office chair"], "total": 250.0, "currency": "GBP",
               "weight_kg": 12.5, "status": "shipped"},
    "A-1005": {"customer_id": "C-04", "items": ["tea set"], "total": 64.0, "currency": "USD",
               "weight_kg": 2.0, "status": "processing"},
}
CUSTOMERS = {
    "C-01": {"name": "Maria Lopez", "email": "maria.lopez@example.com", "city": "Lyon", "discount_percent": 10},
    "C-02": {"name": "James Chen", "email": "james.chen@example.com", "city": "Toronto", "discount_percent": 0},
    "C-03": {"name": "Aisha Khan", "email": "aisha.khan@example.com", "city": "Nairobi", "discount_percent": 15},
    "C-04": {"name": "Kenji Sato", "email": "kenji.sato@example.com", "city": "Osaka", "discount_percent": 5},
}


# --- the tools ----------------------------------------------------------------------------------


def convert_units(value: float, from_unit: Unit, to_unit: Unit) -> dict:
    """Convert a value between units of length, weight or volume.

    Args:
        value: The number to convert.
        from_unit: Unit to convert from.
        to_unit: Unit to convert to.
    """
    (dim_from, size_from), (dim_to, size_to) = UNITS[from_unit], UNITS[to_unit]
    if dim_from != dim_to:
        raise ValueError(f"cannot convert {dim_from} ({from_unit}) to {dim_to} ({to_unit})")
    return {"result": round(value * size_from / size_to, 2)}


def convert_currency(amount: float, from_currency: Currency, to_currency: Currency) -> dict:
    """Convert an amount of money from one currency to another at today's fixed rates.

    Args:
        amount: The amount to convert.
        from_currency: Currency of the amount.
        to_currency: Currency to convert to.
    """
    return {"converted": round(amount / USD_RATES[from_currency] * USD_RATES[to_currency], 2)}


def _record(table: dict, what: str, key: str, example: str) -> dict:
    found = table.get(key.strip().upper())
    if found is None:
        raise ValueError(f"no {what} {key!r}; {what} IDs look like {example}")
    return {f"{what}_id": key.strip().upper(), **found}


def shop_tools(orders: dict, customers: dict) -> tuple[Callable, Callable]:
    """`lookup_order` and `get_customer` over the given tables (same names, schemas and errors).

    The lesson's tools use `ORDERS` and `CUSTOMERS`; `helpers.agent_data` writes its training
    episodes over other, random shops, so a model cannot learn this shop's answers by heart.
    """

    def lookup_order(order_id: str) -> dict:
        """Look up an order of the shop: its customer, items, total, currency, weight and status.

        Args:
            order_id: The order ID, for example "A-1001".
        """
        return _record(orders, "order", order_id, "A-1001")

    def get_customer(customer_id: str) -> dict:
        """Get a customer of the shop: name, email, city and loyalty discount.

        Args:
            customer_id: The customer ID, for example "C-01".
        """
        return _record(customers, "customer", customer_id, "C-01")

    return lookup_order, get_customer


lookup_order, get_customer = shop_tools(ORDERS, CUSTOMERS)

TOOLS = (lookup_order, get_customer, convert_currency, convert_units, calculate)


def make_toolbox() -> Toolbox:
    """A `Toolbox` of the lesson's tools."""
    return Toolbox(list(TOOLS))


# --- the tasks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A request that needs several dependent tool calls, with what a correct run must show.

    `answer` is a number (matched within `tolerance`, relative) or a text (matched case-insensitively);
    `tools` must each be called successfully; `solution` is one correct sequence of turns (the calls
    of each turn) that tests and the notebook replay.
    """

    id: str
    request: str
    answer: float | str
    tools: tuple[str, ...]
    solution: tuple[tuple[ToolCall, ...], ...]
    tolerance: float = 0.01


def _turn(*calls: tuple[str, dict]) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(name, arguments) for name, arguments in calls)


TASKS = (
    Task("order-in-eur", "Order A-1002's total is in USD. How much is it in EUR?", 77.74,
         ("lookup_order", "convert_currency"),
         (_turn(("lookup_order", {"order_id": "A-1002"})),
          _turn(("convert_currency", {"amount": 84.5, "from_currency": "USD", "to_currency": "EUR"})))),
    Task("marathon-times-3", "How many kilometers is 26.2 miles? Multiply that by 3.", 126.48,
         ("convert_units", "calculate"),
         (_turn(("convert_units", {"value": 26.2, "from_unit": "miles", "to_unit": "kilometers"})),
          _turn(("calculate", {"expression": "42.16 * 3"})))),
    Task("customer-city", "Which city does the customer who placed order A-1003 live in?", "Nairobi",
         ("lookup_order", "get_customer"),
         (_turn(("lookup_order", {"order_id": "A-1003"})),
          _turn(("get_customer", {"customer_id": "C-03"})))),
    Task("order-weight-pounds", "How many pounds does order A-1004 weigh?", 27.56,
         ("lookup_order", "convert_units"),
         (_turn(("lookup_order", {"order_id": "A-1004"})),
          _turn(("convert_units", {"value": 12.5, "from_unit": "kilograms", "to_unit": "pounds"})))),
    Task("two-orders-total", "Orders A-1001 and A-1005 are both in USD. What do they cost together?", 106.0,
         ("lookup_order", "calculate"),
         (_turn(("lookup_order", {"order_id": "A-1001"}), ("lookup_order", {"order_id": "A-1005"})),
          _turn(("calculate", {"expression": "42 + 64"})))),
    Task("discounted-total", "The customer of order A-1003 has a loyalty discount. What does the order cost "
         "after the discount?", 110.49,
         ("lookup_order", "get_customer", "calculate"),
         (_turn(("lookup_order", {"order_id": "A-1003"})),
          _turn(("get_customer", {"customer_id": "C-03"})),
          _turn(("calculate", {"expression": "129.99 * (1 - 15 / 100)"})))),
    Task("gallons-per-bottle", "Convert 5 gallons to liters, then split that evenly into 4 bottles. How many "
         "liters go in each bottle?", 4.73,
         ("convert_units", "calculate"),
         (_turn(("convert_units", {"value": 5, "from_unit": "gallons", "to_unit": "liters"})),
          _turn(("calculate", {"expression": "18.93 / 4"})))),
    Task("customer-email", "What is the email address of the customer who placed order A-1002?",
         "james.chen@example.com",
         ("lookup_order", "get_customer"),
         (_turn(("lookup_order", {"order_id": "A-1002"})),
          _turn(("get_customer", {"customer_id": "C-02"})))),
    Task("order-in-yen", "Order A-1004 was paid in GBP. What is its total in JPY?", 47468.35,
         ("lookup_order", "convert_currency"),
         (_turn(("lookup_order", {"order_id": "A-1004"})),
          _turn(("convert_currency", {"amount": 250, "from_currency": "GBP", "to_currency": "JPY"})))),
    Task("order-weight-ounces", "How many ounces does order A-1003 weigh?", 15.87,
         ("lookup_order", "convert_units"),
         (_turn(("lookup_order", {"order_id": "A-1003"})),
          _turn(("convert_units", {"value": 0.45, "from_unit": "kilograms", "to_unit": "ounces"})))),
)


# --- checking a transcript ----------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S)


def numbers_in(text: str) -> list[float]:
    """The numbers written in `text` ("47,468.35" counts as one number)."""
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def answer_matches(task: Task, text: str) -> bool:
    """Whether `text` states the task's answer: a number within tolerance, or the text itself."""
    text = _THINK.sub("", text)
    if isinstance(task.answer, str):
        return task.answer.lower() in text.lower()
    want = float(task.answer)
    return any(abs(x - want) <= max(task.tolerance * abs(want), 0.01) for x in numbers_in(text))


def executed_calls(transcript: list[dict]) -> list[tuple[ToolCall, bool]]:
    """Each call the loop executed, with whether it succeeded (its response is not an error)."""
    done = []
    for i, message in enumerate(transcript):
        if message["role"] != "assistant":
            continue
        try:
            calls = parse_tool_calls(message["content"])
        except ToolCallError:
            continue
        responses = transcript[i + 1 : i + 1 + len(calls)]
        for call, response in zip(calls, responses):
            content = _response_content(response["content"]) if response["role"] == "tool" else None
            ok = not (isinstance(content, str) and content.startswith("Error"))
            done.append((call, ok))
    return done


def _response_content(text: str):
    body = text.strip().removeprefix("<tool_response>").removesuffix("</tool_response>")
    try:
        return json.loads(body).get("content")
    except (ValueError, AttributeError):
        return None


def check_task(task: Task, transcript: list[dict]) -> tuple[bool, str]:
    """`(True, "solved")` or `(False, why not)` for one transcript of `task`."""
    last = transcript[-1]
    out_of_turns = "no final answer: the turns ran out while the model was still calling tools"
    if last["role"] != "assistant":  # run_agent stopped after max_turns, a tool response last
        return False, out_of_turns
    try:
        if parse_tool_calls(last["content"]):
            return False, out_of_turns
    except ToolCallError:
        return False, out_of_turns
    succeeded = {call.name for call, ok in executed_calls(transcript) if ok}
    missing = [name for name in task.tools if name not in succeeded]
    if missing:
        return False, f"never called {', '.join(missing)} successfully"
    if not answer_matches(task, last["content"]):
        return False, f"the answer does not state {task.answer}"
    return True, "solved"


# --- running the tasks --------------------------------------------------------------------------


def reference_generate(task: Task) -> Callable[[list[dict]], str]:
    """A stand-in model that plays `task.solution` turn by turn, then states the answer."""
    turns = [formats.format_think(f"I need {', '.join(c.name for c in calls)} next.")
             + "".join(formats.format_tool_call(c.name, c.arguments) for c in calls)
             for calls in task.solution]
    turns.append(f"The answer is {task.answer}.")

    def generate(messages: list[dict]) -> str:
        done = sum(m["role"] == "assistant" for m in messages)
        return turns[min(done, len(turns) - 1)]

    return generate


def solve_rate(generate: Callable[[list[dict]], str], tasks=TASKS, max_turns: int = 6,
               toolbox: Toolbox | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Run the agent on each task; the share solved and, per task, the verdict and the transcript.

    `generate` is a model (see `agent.model_generator`) or any function from messages to a turn.
    """
    toolbox = toolbox or make_toolbox()
    results = []
    for task in tasks:
        transcript = run_agent(generate, toolbox, task.request, max_turns=max_turns)
        solved, reason = check_task(task, transcript)
        results.append({"id": task.id, "request": task.request, "solved": solved, "reason": reason,
                        "transcript": transcript})
        if progress:
            progress(f"{task.id}: {reason}")
    n_solved = sum(r["solved"] for r in results)
    return {"solve_rate": n_solved / len(results) if results else 0.0, "solved": n_solved, "total": len(results),
            "results": results}


def shown_transcript(report: dict) -> str:
    """The first solved task's transcript (else the first task's), with its verdict, as text."""
    from .agent import format_transcript

    shown = next((r for r in report["results"] if r["solved"]), report["results"][0])
    return f"{shown['id']}: {shown['reason']}\n\n" + format_transcript(shown["transcript"][1:])


def format_results(report: dict) -> str:
    """One line per task (solved or why not), then the solve rate."""
    lines = [f"{'ok' if r['solved'] else '--'}  {r['id']:22} {r['reason']}" for r in report["results"]]
    lines.append(f"solved {report['solved']} of {report['total']} ({100 * report['solve_rate']:.0f}%)")
    return "\n".join(lines)
