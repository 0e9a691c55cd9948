"""Training episodes for the agent lesson: multi-step conversations over the lesson's own tools.

`helpers.tasks` gives the agent five tools (two shop lookups, a currency and a unit converter, a
calculator) and ten fixed tasks. An adapter trained only on the general data has never seen these
tools and solves none of the tasks. Fine-tuning on the tools an agent will use is the usual fix, so
this module writes episodes in the shapes an agent meets with them (look up, then convert, compute
or look up again; two lookups at once; a single call; an unknown ID; a request no tool serves) over
*random* shops: other order and customer IDs, totals, weights, names and cities, and requests
phrased by templates of its own. The lesson's shop (`tasks.ORDERS`, `tasks.CUSTOMERS`) and the
fixed tasks' requests never appear (tested), so a model that solves a task has read the tool
results rather than remembered them.

Each episode is recorded against a real `agent.Toolbox` with the same schemas as
`tasks.make_toolbox()`: the system prompt, the tool responses and the error texts are exactly what
`agent.run_agent` produces.

    python -m helpers.agent_data --out FILE [--n N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any, Callable

from . import formats
from .agent import Toolbox, calculate
from .tasks import UNITS, USD_RATES, convert_currency, convert_units, shop_tools
from .toolcalls import ToolCall, parse_tool_calls

AGENT_FILE = Path(__file__).resolve().parent / "data" / "agent.jsonl"
DEFAULT_N = 400

FIRST = ("Elena", "Tom", "Priya", "Lucas", "Sofia", "Omar", "Hannah", "Diego", "Mei", "Noah", "Chloe", "Ravi",
         "Ingrid", "Samuel", "Yara", "Felix", "Amara", "Leo", "Zoe", "Hugo", "Nadia", "Oscar", "Ines", "Tariq")
LAST = ("Garcia", "Novak", "Patel", "Moreau", "Rossi", "Haddad", "Berg", "Silva", "Wong", "Fischer", "Okafor",
        "Dubois", "Larsen", "Costa", "Ivanova", "Kim", "Mendes", "Quinn", "Abebe", "Walsh", "Horvat", "Sato")
CITIES = ("Porto", "Leeds", "Kraków", "Austin", "Cebu", "Accra", "Bergen", "Cusco", "Adelaide", "Tbilisi",
          "Halifax", "Bologna", "Pune", "Valparaíso", "Ghent", "Kyoto", "Tallinn", "Marrakesh", "Quito", "Perth")
ITEMS = ("water bottle", "phone case", "yoga mat", "backpack", "coffee beans", "desk fan", "wall clock",
         "board game", "rain jacket", "kettle", "monitor stand", "bike light", "travel mug", "sketchbook",
         "keyboard", "plant pot", "camping stove", "scarf", "blender", "reading lamp")
STATUSES = ("shipped", "processing", "delivered", "cancelled", "on hold")
CURRENCIES = tuple(USD_RATES)
WEIGHT_UNITS = ("pounds", "ounces", "grams")
CURRENCY_NAMES = {"USD": "US dollars", "EUR": "euros", "GBP": "British pounds", "JPY": "Japanese yen",
                  "CHF": "Swiss francs", "CAD": "Canadian dollars"}

# kind -> share of the episodes
KINDS = {
    "order_currency": 0.13,
    "order_customer": 0.13,
    "order_weight": 0.11,
    "two_orders": 0.11,
    "discount": 0.11,
    "convert_compute": 0.12,
    "single": 0.19,
    "not_found": 0.05,
    "no_tool": 0.05,
}


def _num(x: float) -> int | float:
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


def random_shop(rng: random.Random, n_orders: int = 6) -> tuple[dict, dict]:
    """Orders and customers shaped like `tasks.ORDERS`/`CUSTOMERS`, with IDs the lesson's shop never uses."""
    customers = {}
    while len(customers) < 3:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        customers[f"C-{rng.randint(10, 99)}"] = {
            "name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}@example.com",
            "city": rng.choice(CITIES), "discount_percent": rng.choice((0, 5, 10, 12, 15, 20, 25))}
    orders = {}
    while len(orders) < n_orders:
        total = rng.choice((round(rng.uniform(5, 400), 2), float(rng.randint(5, 400))))
        orders[f"A-{rng.randint(2000, 9999)}"] = {
            "customer_id": rng.choice(list(customers)), "items": rng.sample(ITEMS, rng.choice((1, 1, 2, 3))),
            "total": total, "currency": rng.choice(CURRENCIES), "weight_kg": _num(rng.uniform(0.1, 20)),
            "status": rng.choice(STATUSES)}
    first, *_, last = orders
    orders[last]["currency"] = orders[first]["currency"]  # at least one pair to add up
    return orders, customers


class Episode:
    """A conversation recorded the way `run_agent` writes it: call turns run against a real toolbox."""

    def __init__(self, toolbox: Toolbox, request: str):
        self.toolbox = toolbox
        self.messages = [{"role": "system", "content": formats.system_prompt(toolbox.schemas)},
                         {"role": "user", "content": request}]

    def call(self, think: str, *calls: tuple[str, dict]) -> list[Any]:
        """One assistant turn with `calls`; returns each call's result content (a dict, a number or an error text)."""
        text = formats.format_think(think) + "\n".join(formats.format_tool_call(n, a) for n, a in calls)
        self.messages.append({"role": "assistant", "content": text})
        contents = []
        for call in (ToolCall(name, arguments) for name, arguments in calls):
            result = self.toolbox.execute(call)
            self.messages.append({"role": "tool", "content": self.toolbox.response_text(call, result)})
            contents.append(result.content)
        return contents

    def ask(self, request: str) -> None:
        self.messages[1]["content"] = request

    def answer(self, think: str, text: str) -> list[dict]:
        self.messages.append({"role": "assistant", "content": formats.format_think(think) + text})
        return self.messages


# The thinks follow one shape so that a small model can tell where it is: the first turn states the
# whole plan with the tools' names; each later turn starts with what the last tool returned and names
# the next step, or says that the last step is done (then the answer follows, with no call).
LAST_STEP = "That was the last step."


def _pick(rng: random.Random, templates: tuple[str, ...], **slots: Any) -> str:
    return rng.choice(templates).format(**slots)


def _two_currencies(rng: random.Random, first: str | None = None) -> tuple[str, str]:
    a = first or rng.choice(CURRENCIES)
    return a, rng.choice([c for c in CURRENCIES if c != a])


def _order_currency(ep: Episode, rng, orders, customers, o) -> list[dict]:
    src, cur = _two_currencies(rng, orders[o]["currency"])
    ep.ask(_pick(rng, (
        "What is the total of order {o} in {cur}?",
        "How much did order {o} cost in {name}?",
        "Convert the total of order {o} to {cur}, please.",
        "I paid for order {o} in {src}. What does that come to in {cur}?",
        "Can you tell me what order {o} costs in {name}?",
        "Order {o}: how much is its total in {cur}?",
        "Express order {o}'s total in {cur}.",
    ), o=o, cur=cur, src=src, name=CURRENCY_NAMES[cur]))
    (order,) = ep.call(f"Plan: lookup_order for the total of order {o}, then convert_currency to {cur}.",
                       ("lookup_order", {"order_id": o}))
    total = _num(order["total"])
    (res,) = ep.call(f"lookup_order: order {o} totals {total} {src}. Next: convert_currency from {src} to {cur}.",
                     ("convert_currency", {"amount": total, "from_currency": src, "to_currency": cur}))
    x = _num(res["converted"])
    return ep.answer(f"convert_currency: {x} {cur}. {LAST_STEP}", _pick(rng, (
        "Order {o} costs {x} {cur} ({t} {src}).", "That is {x} {cur}: order {o} totals {t} {src}.",
        "In {cur}, order {o} comes to {x}.",
    ), o=o, x=x, cur=cur, t=total, src=src))


def _order_customer(ep: Episode, rng, orders, customers, o) -> list[dict]:
    field, word, question = rng.choice((
        ("city", "city", ("Which city does the customer of order {o} live in?",
                          "Where does whoever placed order {o} live?", "What city is the buyer of order {o} from?")),
        ("email", "email", ("What's the email address of the person who ordered {o}?",
                            "I need to email the customer behind order {o}. What's their address?")),
        ("name", "name", ("Who placed order {o}?", "What is the name of the customer on order {o}?")),
        ("discount_percent", "discount", ("What loyalty discount does the customer of order {o} have?",)),
    ))
    ep.ask(_pick(rng, question, o=o))
    (order,) = ep.call(f"Plan: lookup_order for the customer ID of order {o}, then get_customer for their {word}.",
                       ("lookup_order", {"order_id": o}))
    cid = order["customer_id"]
    (customer,) = ep.call(f"lookup_order: order {o} belongs to customer {cid}. Next: get_customer.",
                          ("get_customer", {"customer_id": cid}))
    value = customer[field]
    shown = f"{value}%" if field == "discount_percent" else value
    said = {"city": f"lives in {value}", "email": f"can be reached at {value}",
            "discount_percent": f"has a {value}% loyalty discount"}.get(field)
    text = (f"Order {o} was placed by {value} (customer {cid})." if field == "name"
            else f"The customer of order {o}, {customer['name']}, {said}.")
    return ep.answer(f"get_customer: the {word} is {shown}. {LAST_STEP}", text)


def _order_weight(ep: Episode, rng, orders, customers, o) -> list[dict]:
    unit = rng.choice(WEIGHT_UNITS)
    ep.ask(_pick(rng, (
        "How many {u} does order {o} weigh?", "What's the weight of order {o} in {u}?",
        "Tell me the weight of order {o} in {u}.", "Order {o} has to be shipped. How heavy is it in {u}?",
    ), o=o, u=unit))
    (order,) = ep.call(f"Plan: lookup_order for the weight of order {o}, then convert_units from kilograms to {unit}.",
                       ("lookup_order", {"order_id": o}))
    kg = order["weight_kg"]
    (res,) = ep.call(f"lookup_order: order {o} weighs {kg} kilograms. Next: convert_units from kilograms to {unit}.",
                     ("convert_units", {"value": kg, "from_unit": "kilograms", "to_unit": unit}))
    x = _num(res["result"])
    return ep.answer(f"convert_units: {x} {unit}. {LAST_STEP}", f"Order {o} weighs {x} {unit} ({kg} kilograms).")


def _two_orders(ep: Episode, rng, orders, customers, o) -> list[dict]:
    def partners(k: str) -> list[str]:
        return [j for j, v in orders.items() if j != k and v["currency"] == orders[k]["currency"]]

    if not partners(o):
        o = rng.choice([k for k in orders if partners(k)])
    cur, p = orders[o]["currency"], rng.choice(partners(o))
    sub = rng.random() < 0.3
    if sub:
        a, b = (o, p) if orders[o]["total"] >= orders[p]["total"] else (p, o)
        ep.ask(_pick(rng, (
            "Orders {a} and {b} were both paid in {cur}. How much more did {a} cost than {b}?",
            "What's the difference in price between orders {a} and {b}?",
        ), a=a, b=b, cur=cur))
    else:
        a, b = o, p
        ep.ask(_pick(rng, (
            "What do orders {a} and {b} cost together?", "Add up the totals of orders {a} and {b}.",
            "Orders {a} and {b} are both in {cur}. What's their combined total?",
            "How much did I spend on orders {a} and {b} in total?",
        ), a=a, b=b, cur=cur))
    what, op = ("difference", "-") if sub else ("sum", "+")
    first, second = ep.call(f"Plan: lookup_order for orders {a} and {b} at once, then calculate the {what}.",
                            ("lookup_order", {"order_id": a}), ("lookup_order", {"order_id": b}))
    ta, tb = _num(first["total"]), _num(second["total"])
    (res,) = ep.call(f"lookup_order: order {a} is {ta} {cur}, order {b} is {tb} {cur}. Next: calculate {ta} {op} {tb}.",
                     ("calculate", {"expression": f"{ta} {op} {tb}"}))
    x = _num(res)
    if sub:
        return ep.answer(f"calculate: {x}. {LAST_STEP}",
                         f"Order {a} cost {x} {cur} more than order {b} ({ta} vs {tb} {cur}).")
    return ep.answer(f"calculate: {x}. {LAST_STEP}", f"Together, orders {a} and {b} cost {x} {cur}.")


def _discount(ep: Episode, rng, orders, customers, o) -> list[dict]:
    ep.ask(_pick(rng, (
        "The customer of order {o} gets a loyalty discount. What does the order cost after it?",
        "Apply the customer's loyalty discount to order {o}. What's the final price?",
        "How much does order {o} cost once its customer's discount is taken off?",
    ), o=o))
    (order,) = ep.call(f"Plan: lookup_order for order {o}, then get_customer for the discount, then calculate the price.",
                       ("lookup_order", {"order_id": o}))
    cid, total, cur = order["customer_id"], _num(order["total"]), order["currency"]
    (customer,) = ep.call(f"lookup_order: order {o} totals {total} {cur}, customer {cid}. Next: get_customer.",
                          ("get_customer", {"customer_id": cid}))
    d = customer["discount_percent"]
    (res,) = ep.call(f"get_customer: {customer['name']} has a {d}% discount. Next: calculate {total} * (1 - {d} / 100).",
                     ("calculate", {"expression": f"{total} * (1 - {d} / 100)"}))
    x = _num(res)
    return ep.answer(f"calculate: {x}. {LAST_STEP}",
                     f"With the {d}% discount, order {o} costs {x} {cur} instead of {total} {cur}.")


def _unit_pair(rng: random.Random) -> tuple[str, str]:
    a = rng.choice(list(UNITS))
    b = rng.choice([u for u in UNITS if u != a and UNITS[u][0] == UNITS[a][0]])
    return a, b


def _convert_compute(ep: Episode, rng, orders, customers, o) -> list[dict]:
    u1, u2 = _unit_pair(rng)
    v = _num(rng.choice((rng.randint(1, 500), rng.uniform(0.5, 100))))
    k = rng.randint(2, 12)
    op, phrase = rng.choice((
        ("*", ("Convert {v} {u1} to {u2}, then multiply that by {k}.", "How many {u2} is {v} {u1}? Times {k}, please.",
               "I need {k} times {v} {u1}, expressed in {u2}.")),
        ("/", ("Convert {v} {u1} to {u2} and split it evenly into {k} parts. How much is each part?",
               "How many {u2} is {v} {u1}? Divide that by {k}.",
               "Share {v} {u1} equally among {k} people: how many {u2} does each get?")),
    ))
    ep.ask(_pick(rng, phrase, v=v, u1=u1, u2=u2, k=k))
    (res,) = ep.call(f"Plan: convert_units from {u1} to {u2}, then calculate.",
                     ("convert_units", {"value": v, "from_unit": u1, "to_unit": u2}))
    r = _num(res["result"])
    (out,) = ep.call(f"convert_units: {v} {u1} is {r} {u2}. Next: calculate {r} {op} {k}.",
                     ("calculate", {"expression": f"{r} {op} {k}"}))
    x = _num(out)
    return ep.answer(f"calculate: {x}. {LAST_STEP}",
                     f"{v} {u1} is {r} {u2}; {'times' if op == '*' else 'divided by'} {k} that makes {x} {u2}.")


def _single(ep: Episode, rng, orders, customers, o) -> list[dict]:
    kind = rng.choice(("units", "currency", "calc", "status", "total"))
    if kind == "units":
        u1, u2 = _unit_pair(rng)
        v = _num(rng.choice((rng.randint(1, 300), rng.uniform(0.5, 50))))
        ep.ask(_pick(rng, ("How many {u2} are in {v} {u1}?", "Convert {v} {u1} to {u2}.", "What is {v} {u1} in {u2}?"),
                     v=v, u1=u1, u2=u2))
        (res,) = ep.call(f"Plan: convert_units from {u1} to {u2}, one call.",
                         ("convert_units", {"value": v, "from_unit": u1, "to_unit": u2}))
        x = _num(res["result"])
        return ep.answer(f"convert_units: {x} {u2}. {LAST_STEP}", f"{v} {u1} is {x} {u2}.")
    if kind == "currency":
        a, b = _two_currencies(rng)
        amount = _num(rng.choice((rng.randint(5, 2000), rng.uniform(1, 500))))
        ep.ask(_pick(rng, ("How much is {x} {a} in {b}?", "Convert {x} {a} to {b}.", "What are {x} {an} worth in {bn}?"),
                     x=amount, a=a, b=b, an=CURRENCY_NAMES[a], bn=CURRENCY_NAMES[b]))
        (res,) = ep.call(f"Plan: convert_currency from {a} to {b}, one call.",
                         ("convert_currency", {"amount": amount, "from_currency": a, "to_currency": b}))
        x = _num(res["converted"])
        return ep.answer(f"convert_currency: {x} {b}. {LAST_STEP}", f"{amount} {a} is {x} {b}.")
    if kind == "calc":
        x, y = rng.randint(2, 999), rng.randint(2, 99)
        op, word = rng.choice((("*", "times"), ("+", "plus"), ("-", "minus"), ("/", "divided by")))
        ep.ask(_pick(rng, ("What is {x} {w} {y}?", "Calculate {x} {op} {y}.", "Can you work out {x} {w} {y}?"),
                     x=x, y=y, w=word, op=op))
        (res,) = ep.call(f"Plan: calculate {x} {op} {y}, one call.", ("calculate", {"expression": f"{x} {op} {y}"}))
        return ep.answer(f"calculate: {_num(res)}. {LAST_STEP}", f"{x} {word} {y} is {_num(res)}.")
    ep.ask(_pick(rng, (
        "What's the status of order {o}?", "Has order {o} shipped yet?", "Where is my order {o}?",
    ) if kind == "status" else (
        "How much was order {o}?", "What did order {o} cost?", "What items are in order {o}, and what's the total?",
    ), o=o))
    (order,) = ep.call(f"Plan: lookup_order for order {o}, one call.", ("lookup_order", {"order_id": o}))
    if kind == "status":
        return ep.answer(f"lookup_order: order {o} is {order['status']}. {LAST_STEP}", f"Order {o} is {order['status']}.")
    t = _num(order["total"])
    return ep.answer(f"lookup_order: order {o} totals {t} {order['currency']}. {LAST_STEP}",
                     f"Order {o} ({', '.join(order['items'])}) totals {t} {order['currency']}.")


def _not_found(ep: Episode, rng, orders, customers, o) -> list[dict]:
    missing = f"A-{rng.randint(2000, 9999)}"
    while missing in orders:
        missing = f"A-{rng.randint(2000, 9999)}"
    cur = rng.choice(CURRENCIES)
    request, then = rng.choice((
        ("What's the status of order {m}?", ", one call"),
        ("How much did order {m} cost in {c}?", ", then convert_currency to {c}"),
        ("Who placed order {m}?", ", then get_customer for their name"),
        ("How many pounds does order {m} weigh?", ", then convert_units from kilograms to pounds"),
    ))
    ep.ask(request.format(m=missing, c=cur))
    (error,) = ep.call(f"Plan: lookup_order for order {missing}{then.format(c=cur)}.",
                       ("lookup_order", {"order_id": missing}))
    assert isinstance(error, str) and error.startswith("Error"), error
    return ep.answer(f"lookup_order: there is no order {missing}. I can't go on without it.",
                     f"I couldn't find order {missing}: the shop has no order with that ID. Could you check the number?")


OFF_TOPIC = (
    ("Can you book me a table for two tonight?", "booking tables"),
    ("What's the weather like in Lisbon?", "weather forecasts"),
    ("Please send an email to my manager saying I'm late.", "sending emails"),
    ("Translate 'good morning' into Italian.", "translation"),
    ("Set a reminder to call the bank at 5pm.", "reminders"),
    ("Play some relaxing music.", "playing music"),
    ("Cancel my subscription to the newsletter.", "managing subscriptions"),
    ("Find me a flight from Oslo to Rome next week.", "flights"),
    ("Write a short poem about autumn.", "writing poems"),
    ("What time is it in Seoul right now?", "time zones"),
)


def _no_tool(ep: Episode, rng, orders, customers, o) -> list[dict]:
    request, topic = rng.choice(OFF_TOPIC)
    ep.ask(request)
    return ep.answer(f"Plan: none of my tools handles {topic}, so no call.",
                     f"Sorry, I can't help with {topic}: I can look up orders and customers, convert currencies "
                     "and units, and do arithmetic.")


BUILDERS: dict[str, Callable[..., list[dict]]] = {
    "order_currency": _order_currency, "order_customer": _order_customer, "order_weight": _order_weight,
    "two_orders": _two_orders, "discount": _discount, "convert_compute": _convert_compute, "single": _single,
    "not_found": _not_found, "no_tool": _no_tool,
}


def episode(kind: str, rng: random.Random) -> list[dict]:
    """One episode of `kind` (see `KINDS`) as chat messages (system, user, assistant, tool, ...)."""
    orders, customers = random_shop(rng)
    toolbox = Toolbox([*shop_tools(orders, customers), convert_currency, convert_units, calculate])
    return BUILDERS[kind](Episode(toolbox, ""), rng, orders, customers, rng.choice(list(orders)))


def touches_lesson_tasks(messages: list[dict]) -> bool:
    """Whether an episode shares a request, an order or customer ID, or a whole call with `tasks.TASKS`.

    Requests and model turns are checked (tool descriptions and error texts name "A-1001" and "C-01"
    as examples of the format; tool results come from the episode's own shop).
    """
    from .tasks import CUSTOMERS, ORDERS, TASKS

    text = "\n".join(m["content"] for m in messages if m["role"] in ("user", "assistant"))
    if any(key in text for key in (*ORDERS, *CUSTOMERS)) or any(t.request in text for t in TASKS):
        return True
    solution = {(c.name, formats.dumps(c.arguments)) for t in TASKS for turn in t.solution for c in turn}
    made = {(c.name, formats.dumps(c.arguments)) for m in messages if m["role"] == "assistant"
            for c in parse_tool_calls(m["content"])}
    return bool(solution & made)


_ROLES = {"system": "system", "user": "human", "assistant": "model", "tool": "tool"}


def generate_episodes(n: int = DEFAULT_N, seed: int = 0) -> list[dict]:
    """`n` rows in the shipped hermes layout (`conversations` with system/human/model/tool turns)."""
    rng = random.Random(seed)
    kinds = [k for k, share in KINDS.items() for _ in range(round(share * n))]
    kinds = (kinds + ["single"] * n)[:n]
    rng.shuffle(kinds)
    rows = []
    for i, kind in enumerate(kinds):
        messages = episode(kind, rng)
        while touches_lesson_tasks(messages):
            messages = episode(kind, rng)
        rows.append({"id": f"agent-{i:05d}", "split": "agent", "kind": kind,
                     "conversations": [{"role": _ROLES[m["role"]], "content": m["content"]} for m in messages]})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(AGENT_FILE))
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = generate_episodes(args.n, args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} episodes to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
