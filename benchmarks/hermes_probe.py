"""A hand-written probe in the public hermes style, for tools the generator never wrote.

The issue's acceptance check runs `evaluate --adapter` on someone else's hermes-format file. This
probe is our stand-in for such a file, written unlike the shipped data on purpose: its own system
prompt, tools as Python literals wrapped in `{'type': 'function', 'function': ...}`, a description
on every parameter, array parameters, calls written with single quotes, naturally phrased requests,
and no tool name that the generator uses (tested). 40 rows: 30 single calls, 6 with two calls,
4 that no offered tool serves.

    .venv/bin/python benchmarks/hermes_probe.py            # writes benchmarks/data/hermes_probe.jsonl
    .venv/bin/python -m helpers evaluate --adapter runs/demo/adapter \
        --dataset benchmarks/data/hermes_probe.jsonl --output runs/probe.jsonl
"""

from __future__ import annotations

import json
from pathlib import Path

PROBE_FILE = Path(__file__).resolve().parent / "data" / "hermes_probe.jsonl"

SYSTEM = (
    "You can call functions to help the user. The functions are described inside <tools></tools>:\n"
    "<tools>\n{tools}\n</tools>\n"
    "Write every call as a JSON object with name and arguments inside <tool_call></tool_call> tags."
)


def _fn(name: str, description: str, properties: dict, required: list[str]) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": properties, "required": required}}}


def _s(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def _i(description: str) -> dict:
    return {"type": "integer", "description": description}


def _n(description: str) -> dict:
    return {"type": "number", "description": description}


def _b(description: str) -> dict:
    return {"type": "boolean", "description": description}


def _a(description: str, item: str = "string") -> dict:
    return {"type": "array", "items": {"type": item}, "description": description}


TOOLS = {t["function"]["name"]: t for t in (
    _fn("get_tide_times", "Get high and low tide times for a coastal town",
        {"town": _s("Name of the coastal town"), "date": _s("Date in YYYY-MM-DD")}, ["town"]),
    _fn("estimate_paint_needed", "Estimate how many liters of paint a wall needs",
        {"wall_area_m2": _n("Area to paint in square meters"), "coats": _i("Number of coats")}, ["wall_area_m2"]),
    _fn("find_recipes_by_ingredients", "Find recipes that use the given ingredients",
        {"ingredients": _a("Ingredients to use"), "max_minutes": _i("Maximum cooking time in minutes")},
        ["ingredients"]),
    _fn("convert_to_roman_numerals", "Write a whole number in Roman numerals",
        {"number": _i("The number to convert")}, ["number"]),
    _fn("get_stock_quote", "Get the latest price of a stock",
        {"ticker": _s("Stock ticker symbol, e.g. MSFT")}, ["ticker"]),
    _fn("send_meeting_invite", "Send a meeting invitation to attendees",
        {"subject": _s("Subject of the meeting"), "attendees": _a("Email addresses of the attendees"),
         "start_time": _s("Start time in ISO format")}, ["subject", "attendees"]),
    _fn("generate_password", "Generate a random password",
        {"length": _i("Number of characters"), "include_symbols": _b("Whether to include symbols")}, ["length"]),
    _fn("calculate_compound_interest", "Calculate the interest earned on savings",
        {"principal": _n("Amount saved"), "annual_rate": _n("Annual interest rate in percent"),
         "years": _i("Number of years")}, ["principal", "annual_rate", "years"]),
    _fn("get_album_info", "Get information about a music album",
        {"album": _s("Title of the album"), "artist": _s("Name of the artist")}, ["album"]),
    _fn("create_todo", "Create a to-do item",
        {"task": _s("What needs to be done"), "due_date": _s("Due date in YYYY-MM-DD"),
         "tags": _a("Labels for the item")}, ["task"]),
    _fn("calculate_driving_distance", "Calculate the driving distance between two cities",
        {"origin": _s("Starting city"), "destination": _s("Destination city")}, ["origin", "destination"]),
    _fn("get_news_headlines", "Get the latest news headlines",
        {"category": _s("News category", enum=["business", "sports", "science", "technology"]),
         "country": _s("Country code, e.g. us")}, ["category"]),
    _fn("check_palindrome", "Check whether a word reads the same backwards",
        {"word": _s("The word to check")}, ["word"]),
    _fn("search_ferries", "Search ferry crossings between two ports",
        {"from_port": _s("Departure port"), "to_port": _s("Arrival port"), "date": _s("Date in YYYY-MM-DD")},
        ["from_port", "to_port", "date"]),
    _fn("calculate_average", "Calculate the average of a list of numbers",
        {"numbers": _a("The numbers", "number")}, ["numbers"]),
    _fn("generate_qr_code", "Generate a QR code for a piece of text",
        {"data": _s("Text or link to encode"), "size": _i("Size in pixels")}, ["data"]),
    _fn("get_public_holidays", "List the public holidays of a country",
        {"country": _s("Country name"), "year": _i("The year")}, ["country"]),
    _fn("calculate_discount", "Calculate the price after a discount",
        {"price": _n("Original price"), "discount_percent": _n("Discount in percent")}, ["price", "discount_percent"]),
    _fn("add_songs_to_playlist", "Add songs to a playlist",
        {"playlist": _s("Name of the playlist"), "songs": _a("Titles of the songs")}, ["playlist", "songs"]),
    _fn("search_books", "Search books by author or title",
        {"author": _s("Author name"), "title": _s("Book title")}, []),
    _fn("get_ski_conditions", "Get snow depth and open lifts at a ski resort",
        {"resort": _s("Name of the ski resort")}, ["resort"]),
    _fn("create_poll", "Create a poll in a group chat",
        {"question": _s("The question to ask"), "options": _a("The answers to choose from")}, ["question", "options"]),
    _fn("start_washing_machine", "Start the washing machine",
        {"program": _s("Wash program", enum=["cotton", "wool", "quick", "eco"]),
         "temperature": _i("Water temperature in Celsius")}, ["program"]),
    _fn("get_museum_hours", "Get the opening hours of a museum",
        {"museum": _s("Name of the museum"), "date": _s("Date in YYYY-MM-DD")}, ["museum"]),
    _fn("get_recycling_day", "Find which day recycling is collected on a street",
        {"street": _s("Street name")}, ["street"]),
    _fn("calculate_running_pace", "Calculate running pace per kilometer",
        {"distance_km": _n("Distance run in kilometers"), "minutes": _i("Total time in minutes")},
        ["distance_km", "minutes"]),
    _fn("create_shopping_list", "Create a shopping list",
        {"name": _s("Name of the list"), "items": _a("Things to buy")}, ["name", "items"]),
    _fn("block_sender", "Block all email from a sender", {"email": _s("Sender's email address")}, ["email"]),
    _fn("suggest_gifts", "Suggest gift ideas",
        {"recipient_age": _i("Age of the person"), "interests": _a("What the person likes"),
         "budget": _n("Most to spend")}, ["interests"]),
    _fn("restart_router", "Restart the home Wi-Fi router", {"router": _s("Which router, e.g. upstairs")}, ["router"]),
)}

# (tools offered, request, expected calls): the first tools are the ones the calls use
ROWS = [
    (["get_tide_times", "get_stock_quote"], "When is high tide in Whitby tomorrow? Tomorrow is 2024-08-15.",
     [("get_tide_times", {"town": "Whitby", "date": "2024-08-15"})]),
    (["estimate_paint_needed", "calculate_discount"],
     "I'm painting 35 square meters of wall with 2 coats. How much paint should I buy?",
     [("estimate_paint_needed", {"wall_area_m2": 35, "coats": 2})]),
    (["find_recipes_by_ingredients"], "I have chicken, spinach and garlic. Anything I can cook with those?",
     [("find_recipes_by_ingredients", {"ingredients": ["chicken", "spinach", "garlic"]})]),
    (["convert_to_roman_numerals", "check_palindrome"], "How do you write 1987 in Roman numerals?",
     [("convert_to_roman_numerals", {"number": 1987})]),
    (["get_stock_quote", "get_news_headlines"], "What's Nvidia trading at right now? Ticker NVDA.",
     [("get_stock_quote", {"ticker": "NVDA"})]),
    (["send_meeting_invite"], "Set up a meeting called Roadmap review with ana@corp.com and li@corp.com.",
     [("send_meeting_invite", {"subject": "Roadmap review", "attendees": ["ana@corp.com", "li@corp.com"]})]),
    (["generate_password", "generate_qr_code"], "I need a new password, 16 characters long, with symbols please.",
     [("generate_password", {"length": 16, "include_symbols": True})]),
    (["calculate_compound_interest"],
     "If I keep 10000 in savings at 3.5 percent for 12 years, how much interest will I earn?",
     [("calculate_compound_interest", {"principal": 10000, "annual_rate": 3.5, "years": 12})]),
    (["get_album_info", "search_books"], "Tell me about the album Blue Train.",
     [("get_album_info", {"album": "Blue Train"})]),
    (["create_todo"], "Remind me to renew my passport by 2024-10-01.",
     [("create_todo", {"task": "renew my passport", "due_date": "2024-10-01"})]),
    (["calculate_driving_distance", "get_public_holidays"], "How far is Lyon from Marseille by car?",
     [("calculate_driving_distance", {"origin": "Lyon", "destination": "Marseille"})]),
    (["get_news_headlines", "get_stock_quote"], "Any sports headlines today?",
     [("get_news_headlines", {"category": "sports"})]),
    (["check_palindrome", "convert_to_roman_numerals"], "Is 'racecar' a palindrome?",
     [("check_palindrome", {"word": "racecar"})]),
    (["search_ferries"], "Find me ferries from Dover to Calais on 2024-12-20.",
     [("search_ferries", {"from_port": "Dover", "to_port": "Calais", "date": "2024-12-20"})]),
    (["calculate_average", "calculate_discount"], "What's the average of 4, 8, 15 and 23?",
     [("calculate_average", {"numbers": [4, 8, 15, 23]})]),
    (["generate_qr_code"], "Can you make a QR code for https://example.org/menu?",
     [("generate_qr_code", {"data": "https://example.org/menu"})]),
    (["get_public_holidays", "calculate_driving_distance"], "Which public holidays does Japan have in 2025?",
     [("get_public_holidays", {"country": "Japan", "year": 2025})]),
    (["calculate_discount", "estimate_paint_needed"], "A jacket costs 84 dollars and it's 20% off. What do I pay?",
     [("calculate_discount", {"price": 84, "discount_percent": 20})]),
    (["add_songs_to_playlist"], "Put Clocks and Yellow on my Road Trip playlist.",
     [("add_songs_to_playlist", {"playlist": "Road Trip", "songs": ["Clocks", "Yellow"]})]),
    (["search_books", "get_album_info"], "Look up books by Ursula K. Le Guin.",
     [("search_books", {"author": "Ursula K. Le Guin"})]),
    (["get_ski_conditions", "get_tide_times"], "How's the snow looking at Zermatt?",
     [("get_ski_conditions", {"resort": "Zermatt"})]),
    (["create_poll"], "Start a poll asking 'Where should we eat?' with pizza, sushi and tacos.",
     [("create_poll", {"question": "Where should we eat?", "options": ["pizza", "sushi", "tacos"]})]),
    (["start_washing_machine", "restart_router"], "Run the wool program on the washing machine at 30 degrees.",
     [("start_washing_machine", {"program": "wool", "temperature": 30})]),
    (["get_museum_hours"], "Is the Rijksmuseum open on 2024-11-02?",
     [("get_museum_hours", {"museum": "Rijksmuseum", "date": "2024-11-02"})]),
    (["get_recycling_day", "create_todo"], "When do they pick up recycling on Elm Street?",
     [("get_recycling_day", {"street": "Elm Street"})]),
    (["calculate_running_pace"], "I ran 10 km in 52 minutes. What was my pace?",
     [("calculate_running_pace", {"distance_km": 10, "minutes": 52})]),
    (["create_shopping_list", "add_songs_to_playlist"], "Make a shopping list called Weekend with eggs, flour and milk.",
     [("create_shopping_list", {"name": "Weekend", "items": ["eggs", "flour", "milk"]})]),
    (["block_sender"], "Stop emails from deals@spammy.biz reaching me.",
     [("block_sender", {"email": "deals@spammy.biz"})]),
    (["suggest_gifts"], "Gift ideas for a 9-year-old who loves dinosaurs and space, under 40 dollars?",
     [("suggest_gifts", {"recipient_age": 9, "interests": ["dinosaurs", "space"], "budget": 40})]),
    (["restart_router", "start_washing_machine"], "The upstairs router keeps dropping. Restart it.",
     [("restart_router", {"router": "upstairs"})]),
    (["get_stock_quote", "get_tide_times"], "Can you write me a short poem about autumn?", []),
    (["estimate_paint_needed", "generate_qr_code"], "Who painted the Mona Lisa?", []),
    (["get_museum_hours"], "Book me a table at an Italian restaurant tonight.", []),
    (["get_ski_conditions", "calculate_running_pace"], "What's the capital of Canada?", []),
    (["calculate_driving_distance"], "How far is Oslo from Bergen, and how far is Oslo from Trondheim?",
     [("calculate_driving_distance", {"origin": "Oslo", "destination": "Bergen"}),
      ("calculate_driving_distance", {"origin": "Oslo", "destination": "Trondheim"})]),
    (["convert_to_roman_numerals", "check_palindrome"], "Write 2024 in Roman numerals, and is 'level' a palindrome?",
     [("convert_to_roman_numerals", {"number": 2024}), ("check_palindrome", {"word": "level"})]),
    (["get_ski_conditions"], "Compare the snow at Verbier and at Chamonix.",
     [("get_ski_conditions", {"resort": "Verbier"}), ("get_ski_conditions", {"resort": "Chamonix"})]),
    (["get_museum_hours", "get_tide_times"], "When is the Louvre open on 2024-09-14, and high tide in Brest that day?",
     [("get_museum_hours", {"museum": "Louvre", "date": "2024-09-14"}),
      ("get_tide_times", {"town": "Brest", "date": "2024-09-14"})]),
    (["block_sender", "get_recycling_day"], "Block promo@shop.example and tell me the recycling day for Oak Lane.",
     [("block_sender", {"email": "promo@shop.example"}), ("get_recycling_day", {"street": "Oak Lane"})]),
    (["generate_password"], "Give me two passwords, one of 12 characters and one of 20.",
     [("generate_password", {"length": 12}), ("generate_password", {"length": 20})]),
]


def _answer(calls: list[tuple[str, dict]]) -> str:
    if not calls:
        return "<think>None of the functions is needed here.</think>I can answer that directly."
    names = ", ".join(dict.fromkeys(name for name, _ in calls))
    body = "".join(f"<tool_call>\n{ {'name': n, 'arguments': a} !r}\n</tool_call>" for n, a in calls)
    return f"<think>This needs {names}.</think>{body}"


def probe_rows() -> list[dict]:
    """The probe as ShareGPT-style records (`from`/`value`, roles system/human/gpt)."""
    return [
        {"id": f"probe-{i:02d}", "conversations": [
            {"from": "system", "value": SYSTEM.format(tools=repr([TOOLS[n] for n in offered]))},
            {"from": "human", "value": request},
            {"from": "gpt", "value": _answer(calls)},
        ]}
        for i, (offered, request, calls) in enumerate(ROWS)
    ]


def write_probe(path: Path = PROBE_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in probe_rows()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"{len(ROWS)} rows -> {write_probe()}")
