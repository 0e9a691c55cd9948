"""Deterministic generator of hermes-format function-calling conversations.

Everything here was written for this project; nothing is copied from an existing dataset.
The data is built from five kinds of tables:

* ROLES: parameter kinds (city, date, amount, email, flag, enum, ...). Each has a JSON type,
  several plausible parameter names (a tool picks one), a description, a value pool or sampler
  and several ways to mention a value in a request ("in {v}", "for {v}", ...).
* DOMAINS: ~200 tools in 30 domains. A tool is a snake_case name, a one-sentence description,
  a parameter spec over ROLES ("city date? unit?", `?` = optional), verb phrases ("acts") and
  questions ("asks") that requests are built from, and a result spec plus an answer sentence
  for multi-turn rows.
* Request frames (imperative, polite, terse, with context, value first, questions, pairs).
* Think and answer templates.
* CHAINS: pairs of tools where a field of one tool's result is an argument of the other. A chained
  row asks for the end goal; the model calls the first tool, reads its result, calls the second
  tool with the value, then answers.

Splits: `train` and `test` ask for the train tools (test draws values from a held-out part of
each value pool and uses held-out frames); `unseen` asks only for held-out tools: three whole
domains plus, in every other domain with at least 6 tools, the tool whose name hashes lowest.
Rows are rendered only through `helpers.formats`.

    python -m helpers.generator --out DIR [--seed S] [--train N --test N --unseen N]
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime as dt
import json
import math
import operator
import random
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from helpers.formats import format_think, format_tool_call, format_tool_response, system_prompt

SPLITS = ("train", "test", "unseen")
DEFAULT_SIZES = {"train": 1200, "test": 60, "unseen": 60}
DATA_DIR = Path(__file__).resolve().parent / "data"

# Row mix (exact quotas per split, see _row_plan).
IRRELEVANT_SHARE = 0.10
PARALLEL_SHARE = 0.13
MULTI_TURN_SHARE = 0.11
CHAIN_SHARE = 0.08  # call A, then call B with a value from A's result (see CHAINS)
OPTIONAL_ARG_P = 0.4  # chance that a request states an optional parameter
# How many tools a prompt offers (the called ones plus distractors), by row kind; multi-turn
# rows (single or same-tool calls only) offer fewer so that they stay within the length budget.
OFFERED = {
    "single": {1: 0.65, 2: 0.27, 3: 0.08},
    "same": {1: 0.75, 2: 0.2, 3: 0.05},
    "pair": {2: 0.9, 3: 0.1},
    "irrelevant": {1: 0.55, 2: 0.3, 3: 0.15},
    "single+multi": {1: 0.6, 2: 0.4},
    "same+multi": {1: 1.0},
    "chain": {2: 1.0},  # A and B only: a third schema never fits beside two calls and two results
}
MAX_ROW_PIECES = 550  # length guard: rows with more pieces (see _pieces) are redrawn


# ---------------------------------------------------------------------------------------------
# Value pools and samplers
# ---------------------------------------------------------------------------------------------
# Open pools with >= 8 entries are split: every 4th value is kept for the test/unseen splits.

CITIES = (
    "Lyon", "Paris", "Berlin", "Madrid", "Lisbon", "Rome", "Vienna", "Prague", "Oslo", "Dublin",
    "Toronto", "Chicago", "Denver", "Seattle", "Austin", "Boston", "Tokyo", "Osaka", "Seoul",
    "Sydney", "Melbourne", "Auckland", "Nairobi", "Cairo", "Mumbai", "Singapore", "Bangkok",
    "Lima", "Bogota", "Montreal", "Edinburgh", "Porto", "Krakow", "Zurich", "Helsinki", "Marseille",
)
LANDMARKS = (
    "Central Station", "City Museum", "Riverside Park", "the airport", "Old Town Square",
    "the university campus", "Harbor Bridge", "Main Street Mall", "the stadium", "Union Square",
    "the botanical garden", "North Bus Terminal",
)
ADDRESSES = (
    "12 Elm Street", "48 Rue Cler", "7 Harbor Road", "221 Oak Avenue", "15 Kings Lane",
    "90 Maple Drive", "3 Via Roma", "64 Birch Court", "18 Lake View", "5 Station Road",
    "101 Pine Street", "27 Willow Way",
)
PEOPLE = (
    "Maria Lopez", "James Chen", "Aisha Khan", "Tom Becker", "Lena Novak", "Carlos Ruiz",
    "Priya Patel", "Jonas Berg", "Emma Wilson", "Kenji Sato", "Sofia Rossi", "Omar Haddad",
    "Grace Kim", "Lucas Martin", "Nina Petrova", "David Okafor",
)
EMAILS = tuple(p.lower().replace(" ", ".") + "@example.com" for p in PEOPLE)
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR", "BRL", "MXN", "SEK", "NOK")
LANGUAGES = (
    "French", "Spanish", "German", "Italian", "Portuguese", "Japanese", "Korean", "Dutch",
    "Swedish", "Polish", "Turkish", "Greek",
)
PHRASES = (
    "Where is the train station?", "Thank you for your help.", "The meeting starts at noon.",
    "Can I pay by card?", "I would like a table for two.", "How much does this cost?",
    "See you tomorrow morning.", "My flight was delayed.", "Is breakfast included?",
    "Please call me back.", "Happy birthday!", "The museum is closed today.",
)
FOREIGN = {  # phrase -> its language (the detect_language result)
    "Donde esta la biblioteca": "Spanish", "Je voudrais un cafe": "French",
    "Ich habe Hunger": "German", "Buongiorno a tutti": "Italian",
    "Obrigado pela ajuda": "Portuguese", "Hoe laat is het": "Dutch",
    "Jag alskar kaffe": "Swedish", "Dziekuje bardzo": "Polish",
    "Merci beaucoup pour tout": "French", "Wie geht es dir": "German",
    "Hasta luego amigos": "Spanish", "Ci vediamo domani": "Italian",
}
WORDS = {  # word -> (definition, synonyms)
    "serendipity": ("finding something good by chance", "luck, fortune, happy accident"),
    "ephemeral": ("lasting a very short time", "fleeting, brief, transient"),
    "ubiquitous": ("found everywhere", "pervasive, omnipresent, universal"),
    "meticulous": ("very careful about details", "thorough, precise, careful"),
    "resilient": ("able to recover quickly", "tough, hardy, adaptable"),
    "candid": ("honest and direct", "frank, open, blunt"),
    "eloquent": ("fluent and persuasive", "articulate, expressive, fluent"),
    "frugal": ("careful with money", "thrifty, economical, sparing"),
    "gregarious": ("fond of company", "sociable, outgoing, friendly"),
    "pragmatic": ("dealing with things practically", "practical, realistic, sensible"),
    "tenacious": ("persistent and determined", "persistent, determined, stubborn"),
    "whimsical": ("playfully quaint or fanciful", "playful, quirky, fanciful"),
}
DRAFTS = {  # sentence with a mistake -> corrected sentence (the check_grammar result)
    "Their going to the park tomorrow.": "They're going to the park tomorrow.",
    "She dont like coffee.": "She doesn't like coffee.",
    "We was late for the meeting.": "We were late for the meeting.",
    "I has finished the report.": "I have finished the report.",
    "Its a beautiful day outside.": "It's a beautiful day outside.",
    "He go to school by bus.": "He goes to school by bus.",
    "The cats is sleeping.": "The cats are sleeping.",
    "I seen that movie already.": "I have seen that movie already.",
    "Me and him went shopping.": "He and I went shopping.",
    "Can you borrow me a pen?": "Can you lend me a pen?",
    "There is many reasons.": "There are many reasons.",
    "She speak three languages.": "She speaks three languages.",
}
MESSAGES = (
    "Running 10 minutes late", "Can we move lunch to 1pm?", "The report is ready for review",
    "Happy birthday!", "Don't forget the tickets", "I'll call you after the meeting",
    "Dinner is at 7", "Please send me the slides", "Landed safely", "Thanks for today",
    "On my way", "Meeting moved to Room 4",
)
SUBJECTS = (
    "Quarterly report", "Team offsite plans", "Invoice question", "Weekend schedule",
    "Project update", "Lunch on Friday", "Budget review", "Welcome aboard", "Travel itinerary",
    "Feedback request", "Holiday hours", "Contract draft",
)
EVENT_TITLES = (
    "Team sync", "Dentist appointment", "Yoga class", "Project kickoff", "Lunch with Sam",
    "Quarterly review", "Book club", "Parent-teacher meeting", "Coffee chat", "Design review",
    "Gym session", "Budget planning",
)
TASKS = (
    "buy milk", "call the plumber", "renew the passport", "pay the rent", "water the plants",
    "book a haircut", "send the invoice", "pick up the dry cleaning", "back up the laptop",
    "return the library books", "order printer ink", "clean the fridge",
)
PRODUCTS = (
    "wireless earbuds", "yoga mat", "running shoes", "coffee grinder", "desk lamp", "backpack",
    "phone charger", "water bottle", "mechanical keyboard", "air fryer", "rain jacket",
    "electric kettle", "bike helmet", "standing desk", "portable speaker", "cast iron pan",
)
TOPICS = (
    "renewable energy", "space exploration", "electric cars", "climate policy",
    "artificial intelligence", "public transport", "ocean plastics", "remote work",
    "urban gardening", "cybersecurity", "quantum computing", "food prices",
)
TICKERS = ("AAPL", "MSFT", "NVDA", "AMZN", "TSLA", "GOOGL", "META", "NFLX", "IBM", "ORCL", "INTC", "SAP")
COINS = ("BTC", "ETH", "SOL", "ADA", "XRP", "DOGE", "DOT", "LTC", "AVAX", "LINK")
INGREDIENTS = (
    "chickpeas", "salmon", "mushrooms", "spinach", "chicken thighs", "tofu", "sweet potatoes",
    "lentils", "zucchini", "shrimp", "eggplant", "black beans",
)
RESTAURANTS = (
    "Casa Verde", "The Olive Tree", "Blue Fin Sushi", "Maple Diner", "Spice Route",
    "Le Petit Four", "Green Bowl", "Trattoria Sole", "Harbor Grill", "Taco Luna",
    "Saffron House", "Noodle Bar 88",
)
FOODS = (
    "banana", "greek yogurt", "oatmeal", "avocado", "almonds", "brown rice", "boiled egg",
    "apple", "cheddar cheese", "salmon fillet", "peanut butter", "whole wheat bread",
)
DISHES = (
    "lasagna", "pad thai", "mushroom risotto", "chicken curry", "beef tacos", "margherita pizza",
    "vegetable stir fry", "shrimp paella", "lentil soup", "caesar salad", "grilled salmon", "ramen",
)
GROCERIES = (
    "eggs", "oat milk", "bread", "apples", "coffee beans", "rice", "tomatoes", "olive oil",
    "cheese", "pasta", "onions", "yogurt",
)
MEDICATIONS = (
    "ibuprofen", "paracetamol", "loratadine", "cetirizine", "omeprazole", "melatonin",
    "amoxicillin", "aspirin",
)
TEAMS = (
    "Lyon Falcons", "Denver Comets", "Oslo Vikings", "Austin Rangers", "Porto Sharks",
    "Seattle Pines", "Madrid Lions", "Boston Harbors", "Osaka Hawks", "Dublin Wolves",
    "Lima Condors", "Zurich Bears",
)
PLAYERS = (
    "Marco Silva", "Jalen Brooks", "Yuki Tanaka", "Elena Vasquez", "Noah Fischer", "Amara Diallo",
    "Luca Moretti", "Sam Carter", "Ines Duarte", "Kai Lindqvist", "Tariq Mensah", "Olivia Grant",
)
SONGS = (
    "Midnight Ferry", "Paper Lanterns", "Golden Hour Drive", "Salt and Static",
    "Northern Lights Again", "Slow Tide", "City of Glass", "Summer in Reverse",
    "Lighthouse Keeper", "Neon Orchard", "Falling Upward", "Blue Kettle",
)
ARTISTS = (
    "Luna Vega", "The Quiet Harbors", "Milo Grant", "Echo Lane", "Ruby Sands",
    "The Velvet Signals", "Jonah Pike", "Aurora Bloom", "Static Garden", "Theo Marsh",
    "The Amber Coast", "Nia Rivers",
)
PLAYLISTS = (
    "Morning Run", "Focus Mix", "Road Trip", "Sunday Chill", "Dinner Party", "Deep Work",
    "Throwbacks", "Rainy Day", "Gym Power", "Late Night Jazz",
)
MOVIES = (
    "The Last Lighthouse", "Orbit of Glass", "Paper Crowns", "Midnight at the Archive",
    "The Silent Orchard", "Red Canyon Run", "A Map of Small Things", "Echoes Under Ice",
    "The Clockmaker's Daughter", "Neon Harbor", "Second Summer", "Beyond the Salt Flats",
)
COUNTRIES = (
    "Japan", "Brazil", "Kenya", "Canada", "Vietnam", "Morocco", "Peru", "Turkey", "India",
    "Australia", "Mexico", "Norway",
)
NATIONALITIES = (
    "French", "Canadian", "Brazilian", "Indian", "German", "Mexican", "Japanese", "Nigerian",
    "Australian", "Spanish", "Korean", "Egyptian",
)
AIRLINES = (
    "SkyWay Air", "Northern Wings", "Aerolux", "Blue Horizon", "TransCoast", "Polar Air",
    "Sunline", "Meridian Airways", "Atlas Jet", "Coral Airlines",
)
COUPONS = (
    "SPRING20", "WELCOME10", "FREESHIP", "SAVE15", "VIP25", "SUMMER30", "BACK2SCHOOL", "FLASH5",
    "LOYAL12", "NEWYEAR24",
)
STORES = (
    "Green Grocer", "City Hardware", "Book Nook", "TechHub", "Garden Depot", "Sport Loft",
    "Paper Trail", "Fresh Market", "Pet Palace", "Cycle Works",
)
CHANNELS = (
    "#general", "#design", "#marketing", "#random", "#support", "#dev-ops", "#sales",
    "#announcements", "#product", "#hiring",
)
GROUP_NAMES = (
    "Weekend Hikers", "Book Club", "Family", "Project Falcon", "Soccer Parents", "Roommates",
    "Trip Planning", "Game Night",
)
STATUSES = (
    "in a meeting", "on vacation", "working from home", "at lunch", "focusing", "commuting",
    "out sick", "back at 3pm",
)
FILES = (
    "reports/q3_summary.pdf", "notes/meeting_0412.docx", "photos/beach.png", "budget_2025.xlsx",
    "drafts/cover_letter.docx", "slides/kickoff.pptx", "data/sales.csv", "invoices/inv_2291.pdf",
    "recipes/pancakes.txt", "contracts/lease.pdf", "resume_final.pdf", "todo.txt",
)
FOLDERS = (
    "archive/2024", "shared/team", "backups", "projects/website", "personal/taxes",
    "photos/2025", "work/clients", "old_stuff",
)
NEW_NAMES = (
    "final_report.pdf", "summary_v2.docx", "trip_photos.png", "budget_final.xlsx",
    "notes_clean.txt", "deck_v3.pptx", "invoice_paid.pdf", "plan_2026.docx",
)
FILE_WORDS = ("invoice", "contract", "budget", "resume", "itinerary", "receipt", "agenda", "proposal")
ROOMS = (
    "living room", "kitchen", "bedroom", "office", "hallway", "basement", "kids' room", "dining room",
)
DEVICES = (
    "living room lamp", "bedroom heater", "coffee machine", "ceiling fan", "air purifier", "TV",
    "dishwasher", "porch light",
)
LIGHTS = (
    "kitchen lights", "desk lamp", "hallway lights", "porch light", "bedroom lamp",
    "garden lights", "bathroom lights", "reading light",
)
CAMERAS = ("front porch", "backyard", "garage", "nursery", "driveway", "side gate", "hallway", "patio")
ALARM_LABELS = (
    "Gym", "Wake up", "Take medicine", "School run", "Standup", "Flight check-in", "Call mom",
    "Laundry",
)
COURSES = ("BIO 101", "MATH 204", "HIST 110", "CS 150", "CHEM 220", "ECON 101", "PHYS 130", "ENG 210")
BOOKS = (
    "The Glass Orchard", "Letters from the Lighthouse", "A Short History of Rivers",
    "The Night Cartographer", "Saltwater Songs", "The Quiet Engine", "Small Gods of the Kitchen",
    "Winter in Marrow Street", "The Copper Key", "Notes on Flight",
)
AUTHORS = (
    "Helen Marsh", "Diego Navarro", "Ama Owusu", "Peter Lindahl", "Mei Lin", "Rosa Klein",
    "Samuel Reyes", "Ingrid Holm",
)
JOB_TITLES = (
    "data analyst", "nurse", "software engineer", "graphic designer", "project manager",
    "web developer", "teacher", "pharmacist", "chef", "mechanic", "paralegal", "product manager",
)
RESUMES = (
    "resume_2025.pdf", "cv_latest.pdf", "docs/resume.docx", "maria_cv.pdf", "resume_design.pdf",
    "cv_short.pdf", "resume_v4.pdf", "my_cv.pdf",
)
COMPANIES = (
    "Brightline Labs", "Cedar Health", "Orbit Analytics", "Greenleaf Foods", "Northstar Logistics",
    "Bluepeak Software", "Harborview Bank", "Sunset Studios", "Ironwood Energy", "Pixel Forge",
)
TAGS = ("to-read", "work", "recipes", "travel", "research", "later", "finance", "ideas")
USERNAMES = (
    "@lena_travels", "@chefcarlos", "@dailyrunner", "@techwithtom", "@green_thumb", "@maria.codes",
    "@urban_sketch", "@coffee_kenji", "@bookish_grace", "@omar.builds",
)
LOGINS = (
    "lena.novak", "carlos_r", "priya88", "tbecker", "grace.kim", "jonas.berg", "omar_h", "kenji.s",
)
HASHTAGS = (
    "#sunset", "#mealprep", "#remotework", "#bookclub", "#marathon", "#upcycling",
    "#streetphotography", "#plantbased", "#vanlife", "#indiegames",
)
NOTE_TITLES = (
    "Grocery ideas", "Meeting notes", "Gift list", "Book quotes", "Trip packing", "Workout plan",
    "Project ideas", "Weekend plans",
)
NOTE_TEXTS = (
    "Ask about the budget", "Bring the charger", "Call the bank on Monday",
    "Try the new ramen place", "Check flight times", "Buy batteries", "Review the slides",
    "Email Priya the draft",
)
TIMER_LABELS = ("Pasta", "Laundry", "Break", "Tea", "Study", "Oven", "Plank", "Nap")
PET_NAMES = ("Biscuit", "Luna", "Max", "Pepper", "Milo", "Coco", "Rocky", "Hazel", "Ziggy", "Nala")
PET_MEDS = (
    "flea treatment", "heartworm pill", "ear drops", "joint supplement", "deworming tablet",
    "eye drops", "allergy pill", "vitamin paste",
)
PLANTS = (
    "basil", "tomatoes", "orchid", "monstera", "lavender", "succulents", "roses", "ferns",
    "peppers", "mint", "strawberries", "snake plant",
)
PHOTOS = (
    "photos/leaf_01.jpg", "garden/plant.png", "img_2291.jpg", "camera/flower.jpg",
    "uploads/mystery_plant.jpg", "photos/balcony.png", "pics/shrub.jpg", "garden/weed.jpg",
)
CAR_MODELS = (
    "Toyota Corolla", "Honda Civic", "Ford Focus", "VW Golf", "Kia Niro", "Mazda 3",
    "Hyundai Ioniq", "Skoda Octavia", "Renault Clio", "Tesla Model 3",
)
BILLERS = (
    "City Power", "AquaFlow Water", "Metro Gas", "FiberNet", "Cellwave Mobile", "Greenfield Waste",
    "Union Insurance", "StreamBox",
)
PLACE_LABELS = ("home", "work", "gym", "mom's place", "favorite cafe", "school", "climbing hall", "dentist")
REASONS = (
    "wrong size", "arrived damaged", "not as described", "no longer needed", "late delivery",
    "duplicate order", "changed my mind", "found a better price",
)
UNIT_FACTORS = {  # (from, to) -> factor
    ("kilometers", "miles"): 0.621371, ("miles", "kilometers"): 1.609344,
    ("pounds", "kilograms"): 0.453592, ("kilograms", "pounds"): 2.204623,
    ("liters", "gallons"): 0.264172, ("gallons", "liters"): 3.785412,
    ("feet", "meters"): 0.3048, ("meters", "feet"): 3.28084,
    ("inches", "centimeters"): 2.54, ("ounces", "grams"): 28.3495,
}
UNITS = tuple(sorted({u for pair in UNIT_FACTORS for u in pair}))
TZ_OFFSETS = {  # standard-time UTC offsets, good enough for a simulated backend
    "Europe/Paris": 1, "America/New_York": -5, "Asia/Tokyo": 9, "Europe/London": 0,
    "America/Los_Angeles": -8, "Australia/Sydney": 10, "Asia/Kolkata": 5.5,
    "America/Sao_Paulo": -3, "Africa/Nairobi": 3, "Asia/Singapore": 8, "Europe/Berlin": 1,
    "America/Chicago": -6,
}
COOKING_TO_GRAMS = {"cups": 240, "tablespoons": 15, "teaspoons": 5, "ounces": 28.35}
CONDITIONS = ("sunny", "cloudy", "light rain", "thunderstorms", "partly cloudy", "windy", "foggy")
HOTELS = ("Harbor View Inn", "The Linden", "Grand Plaza", "Cedar Lodge", "Hotel Aurora", "The Maple Suites")
WINES = ("Pinot Noir", "Sauvignon Blanc", "Chianti", "Riesling", "Malbec", "Chardonnay", "Rioja")
SITES = ("news.example.com", "blog.example.org", "example.net/articles", "daily.example.com")
SLUGS = ("solar-record", "city-budget-vote", "rail-strike-ends", "new-museum-wing", "ai-in-schools",
         "housing-report", "marathon-results", "heatwave-tips", "startup-funding", "river-cleanup")


@dataclass(frozen=True)
class Span:
    """Numbers lo..hi in steps of `step`; integral values come back as int."""

    lo: float
    hi: float
    step: float = 1

    def draw(self, rng: random.Random) -> int | float:
        k = rng.randint(0, round((self.hi - self.lo) / self.step))
        text = repr(self.step)
        digits = len(text.split(".")[1]) if "." in text else 0
        return _num(round(self.lo + k * self.step, digits))


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _date(rng: random.Random) -> str:
    return (dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 545))).isoformat()


def _date_span(rng: random.Random) -> tuple[str, str]:
    start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 530))
    return start.isoformat(), (start + dt.timedelta(days=rng.randint(1, 14))).isoformat()


def _time(rng: random.Random) -> str:
    return f"{rng.randint(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}"


def code(prefix: str, n: int, alphabet: str = "0123456789") -> Callable[[random.Random], str]:
    """Sampler of ids like ORD-482913 (prefix + n characters, no leading zero)."""

    def draw(rng: random.Random) -> str:
        first = rng.choice(alphabet.replace("0", ""))
        return prefix + first + "".join(rng.choice(alphabet) for _ in range(n - 1))

    return draw


ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ23456789"
_ref = code("", 6, ALNUM)


def _amount(rng: random.Random) -> int | float:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randint(5, 500)
    if kind == 1:
        return rng.randint(20, 2000)
    return round(rng.randint(5, 300) + (0.5 if kind == 2 else 0.99), 2)


def _phone(rng: random.Random) -> str:
    return f"555-{rng.randint(0, 9999):04d}"


def _flight(rng: random.Random) -> str:
    return rng.choice(("AF", "LH", "BA", "UA", "KL", "IB", "SK", "QF", "AZ", "TP")) + str(rng.randint(10, 9999))


def _url(rng: random.Random) -> str:
    return f"https://{rng.choice(SITES)}/{rng.choice(SLUGS)}-{rng.randint(2, 999)}"


def _decimal(rng: random.Random) -> float:
    return round(rng.uniform(1, 500), rng.choice((4, 5)))


def _expression(rng: random.Random) -> str:
    a, b, c = rng.randint(2, 99), rng.randint(2, 40), rng.randint(2, 12)
    return rng.choice(("{a} + {b}", "{a} * {b}", "({a} + {b}) * {c}", "{a} / {c}", "{a} - {b} * {c}",
                       "{a} * {c} + {b}", "({a} - {b}) / {c}")).format(a=a, b=b, c=c)


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def evaluate(expr: str) -> int | float:
    """Evaluate + - * / arithmetic on numbers (no names, no calls)."""

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        raise ValueError(f"unsupported expression: {expr!r}")

    return _num(round(ev(ast.parse(expr, mode="eval").body), 2))


# ---------------------------------------------------------------------------------------------
# Parameter roles
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """A parameter kind: JSON type, candidate names, description, values, mentions."""

    type: str  # string | integer | number | boolean | array
    names: tuple[str, ...]
    desc: str
    pool: Any = None  # tuple of values, Span, or callable(rng)
    says: tuple[str, ...] = ("{v}",)  # how a request mentions value {v}
    enum: bool = False  # the pool doubles as the schema's "enum"
    front: bool = False  # a mention may open the request ("In Lyon, ...")
    group: str = ""  # roles of one group (origin/destination) pick names at the same index
    yes: tuple[str, ...] = ()  # boolean mentions
    no: tuple[str, ...] = ()
    item: str = ""  # arrays: the JSON type of the items, drawn 2-3 at a time from `pool`


def Str(names: str, desc: str, pool: Any, *says: str, front: bool = False, group: str = "") -> Role:
    return Role("string", tuple(names.split()), desc, pool, says or ("{v}",), front=front, group=group)


def Choice(names: str, desc: str, values: tuple[str, ...], *says: str, group: str = "") -> Role:
    return Role("string", tuple(names.split()), desc, tuple(values), says or ("{v}",), enum=True, group=group)


def Int(names: str, desc: str, span: Any, *says: str, group: str = "") -> Role:
    return Role("integer", tuple(names.split()), desc, span, says or ("{v}",), group=group)


def Num(names: str, desc: str, span: Any, *says: str, group: str = "") -> Role:
    return Role("number", tuple(names.split()), desc, span, says or ("{v}",), group=group)


def Flag(names: str, desc: str, yes: tuple[str, ...], no: tuple[str, ...]) -> Role:
    return Role("boolean", tuple(names.split()), desc, yes=yes, no=no, says=())


def Items(names: str, desc: str, pool: Any, *says: str, item: str = "string") -> Role:
    """An array parameter; a request names its 2-3 values as "a, b and c"."""
    return Role("array", tuple(names.split()), desc, pool, says or ("{v}",), item=item)


DATE_DESC = "Date, YYYY-MM-DD"
ROLES: dict[str, Role] = {
    # places and time
    "city": Str("city location city_name place", "City name", CITIES, "in {v}", "for {v}", front=True),
    "origin": Str("origin from_city departure_city", "Departure city", CITIES, "from {v}", group="trip"),
    "destination": Str("destination to_city arrival_city", "Arrival city", CITIES, "to {v}", group="trip"),
    "address": Str("address street_address location", "Street address", ADDRESSES, "at {v}", "for {v}"),
    "place_from": Str("start from_place origin", "Starting point", LANDMARKS, "from {v}", group="route"),
    "place_to": Str("end to_place destination", "Where to go", LANDMARKS, "to {v}", group="route"),
    "near": Str("near location around", "Place to search around", LANDMARKS, "near {v}", "around {v}"),
    "country": Str("country country_name region", "Country", COUNTRIES, "in {v}", "for {v}"),
    "dest_country": Str("destination_country country", "Country to visit", COUNTRIES, "visiting {v}", "going to {v}"),
    "nationality": Str("nationality citizenship passport_country", "Traveler's nationality", NATIONALITIES,
                       "for {v} citizens", "for {v} passport holders"),
    "date": Str("date day on_date", DATE_DESC, _date, "on {v}", "for {v}", front=True),
    "start_date": Str("start_date from_date first_day", "First day, YYYY-MM-DD", _date, "from {v}", "starting {v}",
                      group="span"),
    "end_date": Str("end_date to_date last_day", "Last day, YYYY-MM-DD", _date, "until {v}", "through {v}",
                    group="span"),
    "check_in": Str("check_in checkin_date arrival_date", "Check-in date, YYYY-MM-DD", _date, "from {v}",
                    "checking in {v}", group="stay"),
    "check_out": Str("check_out checkout_date departure_date", "Check-out date, YYYY-MM-DD", _date, "to {v}",
                     "checking out {v}", group="stay"),
    "pickup_date": Str("pickup_date start_date", "Pickup date, YYYY-MM-DD", _date, "from {v}", "picking it up {v}",
                       group="rental"),
    "return_date": Str("return_date end_date", "Return date, YYYY-MM-DD", _date, "until {v}", "returning it {v}",
                       group="rental"),
    "due_date": Str("due_date due deadline", DATE_DESC, _date, "due {v}", "by {v}"),
    "new_date": Str("new_date date", "New date, YYYY-MM-DD", _date, "to {v}"),
    "time": Str("time start_time at_time", "Time, HH:MM", _time, "at {v}", front=True),
    "new_time": Str("new_time time", "New time, HH:MM", _time, "at {v}"),
    "from_tz": Str("from_timezone source_tz from_tz", "IANA time zone of the input", tuple(TZ_OFFSETS), "from {v}",
                   group="tz"),
    "to_tz": Str("to_timezone target_tz to_tz", "IANA time zone to convert to", tuple(TZ_OFFSETS), "to {v}",
                 group="tz"),
    "duration": Int("duration_minutes minutes length_minutes", "Length in minutes", Span(10, 120, 5),
                    "for {v} minutes", "lasting {v} minutes"),
    "days": Int("days num_days horizon", "Number of days", Span(2, 10), "for the next {v} days", "over {v} days"),
    "hours": Int("hours duration_hours", "Number of hours", Span(2, 8), "for {v} hours"),
    "period": Choice("period time_range", "Time period", ("week", "month", "year"), "this {v}", "for this {v}"),
    # money
    "amount": Num("amount value sum", "Amount of money", _amount),
    "currency_from": Str("from_currency source_currency", "ISO currency code", CURRENCIES, group="fx"),
    "currency_to": Str("to_currency target_currency", "ISO currency code", CURRENCIES, "to {v}", "into {v}", "in {v}",
                       group="fx"),
    "base_currency": Str("base base_currency from_currency", "ISO currency code", CURRENCIES, "from {v}", group="rate"),
    "quote_currency": Str("quote quote_currency to_currency", "ISO currency code", CURRENCIES, "to {v}", "against {v}",
                          group="rate"),
    "currency": Str("currency currency_code", "ISO currency code", CURRENCIES, "in {v}"),
    "account": Str("account_id account_number account", "Bank account ID", code("ACC-", 4),
                   "for account {v}", "on account {v}"),
    "from_account": Str("from_account source_account", "Account to debit", code("ACC-", 4), "from account {v}",
                        group="transfer"),
    "to_account": Str("to_account destination_account", "Account to credit", code("ACC-", 4), "to account {v}",
                      group="transfer"),
    "ticker": Str("symbol ticker stock", "Stock ticker", TICKERS, "for {v}", "of {v}"),
    "tickers": Items("symbols tickers stocks", "Stock tickers", TICKERS),
    "coin": Str("symbol coin crypto", "Crypto symbol", COINS, "for {v}", "of {v}"),
    "principal": Num("principal loan_amount amount", "Amount borrowed", Span(5000, 400000, 1000),
                     "on a loan of {v}", "for a {v} loan"),
    "rate": Num("annual_rate interest_rate rate", "Yearly interest rate in percent", Span(2, 9, 0.25),
                "at {v}%", "with a {v}% interest rate"),
    "loan_years": Int("years term_years loan_years", "Loan length in years", Span(5, 30, 5), "over {v} years",
                      "for {v} years"),
    "expense_category": Choice("category budget_category", "Budget category",
                               ("groceries", "rent", "transport", "dining", "utilities", "entertainment"),
                               "for {v}", "under {v}"),
    "note": Str("note memo", "Short note", NOTE_TEXTS, 'with the note "{v}"', 'noting "{v}"'),
    "max_price": Num("max_price budget price_limit", "Highest price", Span(20, 400, 5),
                     "under {v}", "for at most {v}", "with a budget of {v}"),
    "home_budget": Num("max_price budget price_limit", "Highest price", Span(150000, 900000, 5000),
                       "under {v}", "for at most {v}"),
    "max_rent": Num("max_rent rent_limit budget", "Highest monthly rent", Span(600, 4000, 50),
                    "under {v} a month", "for at most {v} per month"),
    "salary": Int("salary annual_salary gross_salary", "Yearly gross salary", Span(30000, 180000, 5000),
                  "on a salary of {v}", "for a {v} salary"),
    "bill": Num("bill bill_amount total", "Bill total", Span(20, 300, 0.5), "on a {v} bill", "for a bill of {v}"),
    "tip_percent": Int("tip_percent tip_percentage percent", "Tip in percent", Span(10, 25), "at {v}%",
                       "with a {v}% tip"),
    "split": Int("split_between people ways", "People sharing the bill", Span(2, 6), "split {v} ways"),
    "biller": Str("biller payee company", "Company to pay", BILLERS, "to {v}", "for {v}"),
    # people and communication
    "email": Str("email recipient to email_address", "Email address", EMAILS, "to {v}"),
    "sender": Str("sender from_address from_email", "Sender's email address", EMAILS, "from {v}"),
    "phone": Str("phone phone_number number", "Phone number", _phone),
    "contact": Str("contact contact_name name", "Contact's name", PEOPLE),
    "person": Str("person attendee full_name candidate", "Person's name", PEOPLE, "with {v}"),
    "members": Items("members participants", "People to add", PEOPLE, "with {v}"),
    "cc": Items("cc cc_emails", "Addresses to copy", EMAILS, "copying {v}", "with {v} in cc"),
    "message": Str("message body text content", "Message text", MESSAGES, 'saying "{v}"', 'with the message "{v}"'),
    "subject": Str("subject title", "Subject line", SUBJECTS, 'with the subject "{v}"', 'titled "{v}"'),
    "email_id": Str("message_id email_id", "Email ID", code("MSG-", 4)),
    "days_old": Int("older_than_days min_age_days", "Only items older than this many days", Span(7, 90),
                    "older than {v} days"),
    "unread": Flag("unread_only unread", "Only unread messages", ("that are unread", "still unread"),
                   ("read or unread",)),
    "channel": Str("channel channel_name", "Chat channel", CHANNELS, "in {v}", "to {v}"),
    "group_name": Str("name group_name title", "Group name", GROUP_NAMES, 'called "{v}"', 'named "{v}"'),
    "status_text": Str("status status_text text", "Status text", STATUSES, 'to "{v}"'),
    "speaker": Flag("speakerphone on_speaker", "Use the speakerphone", ("on speaker",), ("without speakerphone",)),
    "platform": Choice("platform network", "Social network", ("LinkedIn", "Instagram", "Facebook", "Mastodon"),
                       "on {v}", "to {v}"),
    "username": Str("username handle account", "Account handle", USERNAMES),
    "login": Str("username user login", "Account username", LOGINS, "for {v}"),
    "comment_id": Str("comment_id comment", "Comment ID", code("CMT-", 4)),
    "hashtag": Str("hashtag tag", "Hashtag", HASHTAGS),
    "hashtags": Items("hashtags tags", "Hashtags to add", HASHTAGS, "with {v}", "tagged {v}"),
    "twofa_method": Choice("method factor", "Second factor", ("sms", "authenticator app", "email"), "using {v}",
                           "via {v}"),
    # language and text
    "language": Str("target_language language to_language lang", "Language to translate into", LANGUAGES,
                    "into {v}", "to {v}"),
    "source_language": Str("source_language from_language", "Language of the text", ("English",), "from {v}"),
    "phrase": Str("text phrase sentence", "Text to translate", PHRASES, '"{v}"'),
    "foreign": Str("text phrase sample", "Text to analyze", tuple(FOREIGN), '"{v}"'),
    "draft": Str("text sentence content", "Text to check", tuple(DRAFTS), '"{v}"'),
    "word": Str("word term", "Word", tuple(WORDS)),
    "limit": Int("limit max_results count", "Maximum number of results", Span(3, 10),
                 "and show {v} results", "limited to {v} results"),
    # shopping and orders
    "product": Str("product item product_name query", "Product", PRODUCTS),
    "units": Int("quantity qty units", "How many", Span(2, 6), "{v} units of"),
    "size": Choice("size clothing_size", "Size", ("XS", "S", "M", "L", "XL"), "in size {v}"),
    "min_rating": Num("min_rating rating_at_least min_stars", "Lowest rating, 1-5", Span(3, 4.5, 0.5),
                      "rated at least {v}", "with a rating of {v} or more"),
    "order_id": Str("order_id order_number order", "Order ID", code("ORD-", 5)),
    "tracking": Str("tracking_number tracking_id parcel_id", "Tracking number", code("1Z", 6, ALNUM)),
    "reason": Str("reason cancel_reason", "Reason", REASONS, ", reason: {v}", 'with the reason "{v}"'),
    "coupon": Str("code coupon_code promo_code", "Coupon code", COUPONS),
    "store": Str("store store_name shop", "Store name", STORES, "for {v}", "at {v}"),
    "stores": Items("stores shops", "Stores to check", STORES, "at {v}"),
    "songs": Items("songs tracks", "Songs to add", SONGS, "with {v}"),
    # travel
    "airline": Str("airline carrier", "Airline name", AIRLINES, "with {v}", "on {v}"),
    "cabin": Choice("cabin cabin_class travel_class", "Cabin class",
                    ("economy", "premium economy", "business", "first"),
                    "in {v}", "in {v} class"),
    "flight": Str("flight_number flight flight_code", "Flight number", _flight),
    "booking_id": Str("booking_id reservation_id confirmation_code", "Booking reference", code("BK-", 5, ALNUM)),
    "car_type": Choice("car_type vehicle_class", "Car size", ("compact", "midsize", "SUV", "van"),
                       "of type {v}", "in the {v} class"),
    "party_size": Int("party_size guests people", "Number of people", Span(2, 10),
                      "for {v} people", "for a party of {v}", "for {v} guests"),
    "place_label": Str("label name nickname", "Name to save it under", PLACE_LABELS, 'as "{v}"'),
    "mode": Choice("mode travel_mode transport", "How to travel", ("car", "foot", "bike", "transit"), "by {v}"),
    "poi": Choice("category place_type kind", "Kind of place",
                  ("cafe", "gas station", "ATM", "bakery", "library", "gym")),
    "radius_km": Num("radius_km distance_km max_km", "Search radius in km", Span(1, 10, 0.5), "within {v} km"),
    "ride_type": Choice("ride_type tier", "Ride option", ("standard", "shared", "premium", "large"),
                        "with the {v} option"),
    "stop_id": Str("stop_id stop", "Bus stop ID", code("STOP-", 4), "at stop {v}", "for stop {v}"),
    "pass_type": Choice("pass_type duration", "Pass length", ("day", "week", "month"), "for a {v}",
                        "valid for one {v}"),
    # food and health
    "ingredient": Str("ingredient main_ingredient", "Main ingredient", INGREDIENTS, "with {v}", "using {v}"),
    "ingredients": Items("ingredients main_ingredients", "Ingredients to use", INGREDIENTS, "with {v}", "using {v}"),
    "diet": Choice("diet dietary_preference", "Diet", ("vegetarian", "vegan", "gluten-free", "keto"),
                   "that are {v}", "that are strictly {v}"),
    "max_minutes": Int("max_minutes max_time_minutes cook_time_minutes", "Longest cooking time in minutes",
                       Span(15, 90, 5), "ready in under {v} minutes", "that take at most {v} minutes"),
    "restaurant": Str("restaurant restaurant_name venue", "Restaurant name", RESTAURANTS, "at {v}"),
    "cuisine": Choice("cuisine food_type", "Cuisine", ("italian", "thai", "mexican", "japanese", "indian", "greek"),
                      "serving {v} food", "with {v} cuisine"),
    "food": Str("food food_item item", "Food", FOODS, "for {v}"),
    "serving_grams": Int("serving_grams grams portion_grams", "Serving size in grams", Span(50, 400, 10),
                         "per {v} grams", "for a {v} g serving"),
    "dish": Str("dish dish_name recipe", "Dish name", DISHES),
    "portions": Int("quantity portions", "Number of portions", Span(2, 6), "{v} portions of"),
    "grocery_items": Items("items grocery_items", "Items to buy", GROCERIES),
    "calories": Int("calories daily_calories calorie_target", "Daily calorie target", Span(1400, 3000, 100),
                    "at {v} calories a day", "with {v} calories per day"),
    "weight_kg": Num("weight_kg body_weight_kg", "Weight in kg", Span(45, 120, 0.5), "for {v} kg", "at {v} kg"),
    "height_cm": Int("height_cm body_height_cm", "Height in cm", Span(150, 200), "and {v} cm"),
    "activity": Choice("activity workout_type", "Workout type", ("running", "cycling", "swimming", "yoga", "rowing")),
    "breakfast": Flag("breakfast_included with_breakfast", "Only rooms with breakfast",
                      ("with breakfast included",), ("with or without breakfast",)),
    "in_stock": Flag("in_stock in_stock_only available_only", "Only items in stock",
                     ("that are in stock", "in stock only"), ("even if out of stock",)),
    "urgent": Flag("urgent high_priority", "Mark as urgent", ("marked urgent", "flagged as urgent"),
                   ("as normal priority",)),
    "include_wind": Flag("include_wind with_wind", "Add wind speed", ("with wind speed", "including wind"),
                         ("without wind details",)),
    "formal": Flag("formal formal_tone", "Use a formal tone", ("in a formal tone", "formally"), ("in a casual tone",)),
    "avoid_tolls": Flag("avoid_tolls no_tolls", "Avoid toll roads", ("avoiding tolls", "without toll roads"),
                        ("even with tolls",)),
    "pinned": Flag("pinned pin", "Pin the note", ("and pin it",), ("without pinning it",)),
    "pets_allowed": Flag("pets_allowed pet_friendly", "Only pet-friendly places", ("that allow pets", "pet-friendly"),
                         ("whether or not pets are allowed",)),
    "open_now": Flag("open_now only_open", "Only places open right now", ("open now", "open right now"),
                     ("even if closed now",)),
    "specialty": Choice("specialty department", "Medical specialty",
                        ("general practice", "dermatology", "pediatrics", "cardiology", "dentistry"), "for {v}",
                        "in {v}"),
    "water_ml": Int("amount_ml volume_ml milliliters", "Water in ml", Span(150, 1000, 50), "{v} ml of water"),
    "medication": Str("medication drug_name medicine", "Medication name", MEDICATIONS),
    "sleep_hours": Num("hours sleep_hours", "Hours slept", Span(4, 10, 0.5), "for {v} hours", "lasting {v} hours"),
    "sleep_quality": Choice("quality sleep_quality", "How the sleep felt", ("poor", "fair", "good", "great"),
                            "that felt {v}", "rated {v}"),
    "pollen_type": Choice("pollen_type allergen", "Pollen type", ("tree", "grass", "weed"), "for {v} pollen"),
    "temp_unit": Choice("unit temperature_unit units", "Temperature unit", ("celsius", "fahrenheit"), "in {v}"),
    # sports, music, movies
    "team": Str("team team_name club", "Team name", TEAMS, "for the {v}", "of the {v}"),
    "league": Choice("league competition", "League", ("Premier League", "La Liga", "Serie A", "NBA", "NHL"),
                     "in the {v}", "for the {v}"),
    "player": Str("player player_name athlete", "Player's name", PLAYERS, "for {v}", "of {v}"),
    "players": Items("players athletes", "Players to compare", PLAYERS),
    "season": Int("season year", "Season start year", Span(2015, 2024), "in the {v} season"),
    "event_id": Str("event_id event", "Event ID", code("EVT-", 4), "for event {v}"),
    "ticket_count": Int("quantity tickets num_tickets", "Number of tickets", Span(2, 6), "{v} tickets"),
    "sport": Choice("sport activity", "Sport", ("tennis", "basketball", "soccer", "volleyball", "badminton")),
    "song": Str("song title track", "Song title", SONGS, '"{v}"'),
    "artist": Str("artist artist_name performer", "Artist name", ARTISTS, "by {v}"),
    "playlist": Str("playlist playlist_name", "Playlist name", PLAYLISTS, 'to the "{v}" playlist', 'to "{v}"'),
    "new_playlist": Str("name playlist_name title", "Playlist name", PLAYLISTS, 'called "{v}"', 'named "{v}"'),
    "public": Flag("public is_public", "Visible to everyone", ("and make it public",), ("and keep it private",)),
    "music_genre": Choice("genre style", "Music genre", ("jazz", "rock", "pop", "classical", "hip hop", "folk"),
                          "in the {v} genre", "like {v}"),
    "mood": Choice("mood vibe", "Mood", ("upbeat", "calm", "melancholic", "energetic"), "for {v} moods",
                   "with {v} vibes"),
    "volume": Int("level volume percent", "Volume, 0-100", Span(5, 95, 5), "to {v}", "to {v}%"),
    "movie": Str("movie title film", "Movie title", MOVIES, '"{v}"'),
    "film_genre": Choice("genre category", "Film genre",
                         ("comedy", "drama", "thriller", "sci-fi", "animation", "documentary"),
                         "in the {v} genre", "from the {v} genre"),
    "year": Int("year release_year", "Release year", Span(1975, 2024), "from {v}", "released in {v}"),
    "stars": Int("rating stars score", "Rating, 1-5", Span(2, 5), "{v} stars"),
    # files, devices, notes
    "path": Str("path file_path file", "File path", FILES),
    "paths": Items("paths files file_paths", "Files to include", FILES),
    "folder": Str("folder directory destination", "Folder path", FOLDERS, "to {v}", "into {v}"),
    "new_name": Str("new_name new_filename name", "New file name", NEW_NAMES, "to {v}"),
    "file_type": Choice("file_type extension type", "File type", ("pdf", "docx", "xlsx", "png", "txt"),
                        "of type {v}", "that are {v} files"),
    "file_query": Str("query name_contains keyword", "Part of the file name", FILE_WORDS, 'named "{v}"',
                      'matching "{v}"'),
    "permission": Choice("permission access role", "Access level", ("view", "comment", "edit"),
                         "with {v} access", "with {v} rights"),
    "permanent": Flag("permanent skip_trash", "Delete for good instead of moving to trash", ("permanently",),
                      ("but keep it in the trash",)),
    "drive": Choice("drive device storage", "Which storage", ("cloud", "laptop", "phone", "tablet"), "on the {v}",
                    "for the {v}"),
    "thermostat_temp": Num("temperature target_temp setpoint", "Target temperature in degrees", Span(16, 26, 0.5),
                           "to {v} degrees"),
    "room": Str("room area zone", "Room", ROOMS, "in the {v}"),
    "hvac_mode": Choice("mode hvac_mode", "Mode", ("heat", "cool", "auto", "eco"), "in {v} mode"),
    "device": Str("device device_name appliance", "Device name", DEVICES, "the {v}"),
    "light": Str("light light_name lamp", "Light to adjust", LIGHTS, "the {v}"),
    "brightness": Int("brightness level percent", "Brightness, 0-100", Span(5, 100, 5), "to {v}%", "to {v} percent"),
    "door": Choice("door door_name", "Which door", ("front", "back", "garage", "patio")),
    "vacuum_mode": Choice("mode power_mode", "Cleaning mode", ("quiet", "standard", "turbo"), "in {v} mode"),
    "alarm_label": Str("label name title", "Alarm label", ALARM_LABELS, 'labeled "{v}"', 'called "{v}"'),
    "repeat_daily": Flag("repeat_daily daily repeat", "Repeat every day", ("that repeats daily", "every day"),
                         ("just once",)),
    "camera": Str("camera camera_name", "Camera name", CAMERAS),
    "note_title": Str("title note_title name", "Note title", NOTE_TITLES, 'titled "{v}"', 'called "{v}"'),
    "note_content": Str("content body text", "Note text", NOTE_TEXTS, 'saying "{v}"', 'with the text "{v}"'),
    "note_query": Str("query keywords search_text", "Words to search for", TOPICS + FILE_WORDS,
                      'for "{v}"', 'mentioning "{v}"'),
    "event_title": Str("title event_name summary", "Event title", EVENT_TITLES, 'called "{v}"', 'titled "{v}"'),
    "task": Str("task item description", "What to do", TASKS, '"{v}"'),
    "priority": Choice("priority importance", "Priority", ("low", "medium", "high"), "with {v} priority",
                       "as {v} priority"),
    "timer_minutes": Int("minutes duration_minutes length_minutes", "Timer length in minutes", Span(2, 90),
                         "for {v} minutes"),
    "timer_label": Str("label name", "Timer label", TIMER_LABELS, 'called "{v}"', 'labeled "{v}"'),
    "block_notifications": Flag("block_notifications mute_notifications", "Mute notifications",
                                ("and mute notifications",), ("but keep notifications on",)),
    "url": Str("url link article_url", "Web address", _url),
    "tag": Str("tag label", "Tag", TAGS, 'tagged "{v}"', 'with the tag "{v}"'),
    "frequency": Choice("frequency cadence", "How often", ("daily", "weekly", "monthly"), "delivered {v}", "sent {v}"),
    "topic": Str("topic subject keyword", "Topic", TOPICS, "about {v}", "on {v}"),
    "topics": Items("topics interests", "Topics to follow", TOPICS, "about {v}", "on {v}"),
    "tags": Items("tags labels", "Labels", TAGS, "tagged {v}", "with the tags {v}"),
    "tasks": Items("tasks items", "Tasks on the list", TASKS),
    "news_category": Choice("category section", "News section",
                            ("business", "technology", "sports", "health", "science"),
                            "in {v}", "about {v}"),
    # math and units
    "expression": Str("expression expr formula", "Arithmetic expression", _expression),
    "integer": Int("number n value", "Whole number", Span(2, 500)),
    "numbers": Items("numbers values", "Numbers to sort", Span(1, 99), item="number"),
    "gcd_a": Int("a first_number x", "First whole number", Span(6, 240, 6), group="pair"),
    "gcd_b": Int("b second_number y", "Second whole number", Span(4, 180, 4), "and {v}", group="pair"),
    "low": Int("min low minimum", "Lowest value", Span(1, 50), "between {v}", group="range"),
    "high": Int("max high maximum", "Highest value", Span(60, 1000), "and {v}", group="range"),
    "factorial_n": Int("n number", "Whole number up to 20", Span(3, 15), "of {v}"),
    "decimal_value": Num("value number", "Number to round", _decimal),
    "decimals": Int("decimals places digits", "Decimal places", Span(2, 3), "to {v} decimal places"),
    "value": Num("value amount quantity", "Number to convert", Span(1, 500, 0.5)),
    "from_unit": Str("from_unit source_unit", "Unit to convert from", UNITS, group="unit"),
    "to_unit": Str("to_unit target_unit", "Unit to convert to", UNITS, "to {v}", "into {v}", "in {v}", group="unit"),
    "degrees": Num("value temperature degrees", "Temperature value", Span(-20, 100, 0.5), "{v} degrees"),
    "from_scale": Choice("from_scale from_unit source_scale", "Scale to convert from", ("celsius", "fahrenheit"),
                         group="scale"),
    "to_scale": Choice("to_scale to_unit target_scale", "Scale to convert to", ("celsius", "fahrenheit", "kelvin"),
                       "to {v}", "in {v}", group="scale"),
    "cook_amount": Num("amount quantity value", "Amount to convert", Span(0.5, 4, 0.25)),
    "from_measure": Choice("from_measure from_unit", "Kitchen unit", tuple(COOKING_TO_GRAMS), group="measure"),
    "to_measure": Choice("to_measure to_unit", "Unit to convert to", ("grams", "milliliters"), "to {v}", "into {v}",
                         group="measure"),
    "cook_ingredient": Choice("ingredient", "Ingredient", ("flour", "sugar", "butter", "rice", "milk"), "of {v}"),
    "shoe_size": Num("size shoe_size", "Shoe size", Span(5, 13, 0.5)),
    "from_system": Choice("from_system source_system", "Size system", ("US", "UK", "EU"), "from {v}", group="size"),
    "to_system": Choice("to_system target_system", "Size system", ("US", "UK", "EU"), "to {v}", group="size"),
    # education, jobs, real estate
    "school_subject": Choice("subject course_subject", "School subject",
                             ("algebra", "biology", "chemistry", "world history", "physics", "geography"),
                             "on {v}", "about {v}"),
    "level": Choice("level skill_level", "Level", ("beginner", "intermediate", "advanced"),
                    "for {v} learners", "at {v} level"),
    "question_count": Int("count num_questions questions", "Number of questions", Span(5, 20), "with {v} questions"),
    "quiz_difficulty": Choice("difficulty level", "Difficulty", ("easy", "medium", "hard"), "at {v} difficulty"),
    "card_count": Int("count num_cards cards", "Number of cards", Span(5, 30, 5), "with {v} cards"),
    "course": Str("course course_code class", "Course code", COURSES, "for {v}", "in {v}"),
    "book": Str("title book_title book", "Book title", BOOKS, '"{v}"'),
    "author": Str("author writer", "Author", AUTHORS, "by {v}"),
    "job_title": Str("job_title role position", "Job title", JOB_TITLES, "for {v} roles", "for {v} positions"),
    "remote": Flag("remote remote_only", "Only remote jobs", ("with remote work", "remote only"), ("on-site only",)),
    "employment": Choice("employment_type job_type", "Contract type",
                         ("full-time", "part-time", "contract", "internship"),
                         "that are {v}"),
    "job_id": Str("job_id posting_id", "Job posting ID", code("JOB-", 4)),
    "resume": Str("resume resume_file cv", "Resume file path", RESUMES, "with {v}", "using {v}"),
    "company": Str("company company_name employer", "Company name", COMPANIES),
    "bedrooms": Int("bedrooms min_bedrooms beds", "Minimum bedrooms", Span(2, 5), "with {v} bedrooms",
                    "with at least {v} bedrooms"),
    "property_type": Choice("property_type home_type", "Property type", ("apartment", "house", "condo", "townhouse"),
                            "of type {v}"),
    "listing_id": Str("listing_id property_id", "Listing ID", code("LST-", 4)),
    # pets, garden, cars, utilities
    "species": Choice("species animal pet_type", "Animal", ("dog", "cat", "rabbit", "bird")),
    "pet_name": Str("pet_name pet name", "Pet's name", PET_NAMES),
    "food_grams": Int("grams amount_grams portion_grams", "Food in grams", Span(20, 400, 10),
                      "with a {v} g portion", "with {v} g of food"),
    "grooming_service": Choice("service grooming_service", "Grooming service", ("bath", "haircut", "nail trim"),
                               "for a {v}"),
    "pet_age": Int("age_years pet_age_years", "Age in years", Span(2, 15), "that is {v} years old", "aged {v}"),
    "pet_med": Str("medication treatment", "Medication", PET_MEDS),
    "plant": Str("plant plant_name", "Plant", PLANTS),
    "plants": Items("plants plant_names", "Plants grown together", PLANTS, "with {v}", "for {v}"),
    "photo": Str("image_path photo file", "Photo file path", PHOTOS),
    "harvest_kg": Num("weight_kg amount_kg harvest_kg", "Weight in kg", Span(0.5, 12, 0.5), "{v} kg of"),
    "connector": Choice("connector plug_type", "Plug type", ("CCS", "CHAdeMO", "Type 2"),
                        "with a {v} connector", "that supports {v}"),
    "fuel": Choice("fuel_type fuel grade", "Fuel type", ("regular", "premium", "diesel"), "for {v}"),
    "car_service": Choice("service service_type", "Service",
                          ("tire rotation", "brake check", "battery check", "full service"),
                          "for a {v}"),
    "vin": Str("vin vehicle_id", "Vehicle identification number", code("", 17, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789")),
    "car_model": Str("model make_model car", "Make and model", CAR_MODELS),
    "car_models": Items("models car_models", "Makes and models to compare", CAR_MODELS),
    "car_year": Int("year model_year", "Model year", Span(2008, 2024), "from {v}"),
    "mileage_km": Int("mileage_km odometer_km", "Odometer reading in km", Span(5000, 220000, 1000), "with {v} km"),
    "utility": Choice("utility service", "Affected service", ("power", "water", "internet", "gas"), "for {v} service"),
}


# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------

Out = dict[str, Any]  # result field -> tuple (choice), Span, str (literal) or callable(rng, args)
REF: Callable[[random.Random, dict], str] = lambda r, a: _ref(r)  # noqa: E731


def _other(pool: tuple[str, ...], key: str) -> Callable[[random.Random, dict], str]:
    """Result field: a pool value different from args[key]."""
    return lambda r, a: r.choice([v for v in pool if v != a.get(key)])


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    params: str  # "city date? unit?": role keys, `?` marks optional
    acts: tuple[str, ...]  # verb phrases; "{m}" marks where values go (else appended)
    asks: tuple[str, ...] = ()  # question openers, same "{m}" rule
    out: Out | None = None  # result of a call (multi-turn rows); None: no multi-turn for this tool
    say: str = ""  # final answer, formatted with required args and result fields
    says: dict[str, tuple[str, ...]] | None = None  # per-tool mention overrides
    fixed: bool = False  # keep mentions in parameter order (no shuffling, no fronting)
    joint: tuple[tuple[str, ...], Callable] | None = None  # (role keys, sampler of a value tuple)


def T(name: str, description: str, params: str, acts: tuple[str, ...] | str, **kw: Any) -> ToolSpec:
    if isinstance(acts, str):
        acts = (acts,)
    if isinstance(kw.get("asks"), str):
        kw["asks"] = (kw["asks"],)
    return ToolSpec(name, description, params, acts, **kw)


@dataclass(frozen=True)
class Domain:
    contexts: tuple[str, ...]  # sentences a request may open with
    tools: tuple[ToolSpec, ...]


def _loan_payment(r: random.Random, a: dict) -> float:
    monthly, n = a["rate"] / 1200, a["loan_years"] * 12
    return round(a["principal"] * monthly / (1 - (1 + monthly) ** -n), 2)


def _convert_temperature(r: random.Random, a: dict) -> float:
    to_c = {"celsius": lambda x: x, "fahrenheit": lambda x: (x - 32) * 5 / 9, "kelvin": lambda x: x - 273.15}
    from_c = {"celsius": lambda x: x, "fahrenheit": lambda x: x * 9 / 5 + 32, "kelvin": lambda x: x + 273.15}
    return _num(round(from_c[a["to_scale"]](to_c[a["from_scale"]](a["degrees"])), 1))


def _convert_tz(r: random.Random, a: dict) -> str:
    h, m = map(int, a["time"].split(":"))
    minutes = (h * 60 + m + round((TZ_OFFSETS[a["to_tz"]] - TZ_OFFSETS[a["from_tz"]]) * 60)) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _shoe(r: random.Random, a: dict) -> float:
    us = {"US": 0, "UK": 1, "EU": -33}[a["from_system"]] + a["shoe_size"]
    return _num(us + {"US": 0, "UK": -1, "EU": 33}[a["to_system"]])


def _days_between(r: random.Random, a: dict) -> int:
    return (dt.date.fromisoformat(a["end_date"]) - dt.date.fromisoformat(a["start_date"])).days


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % k for k in range(2, math.isqrt(n) + 1))


def _unit_pair(rng: random.Random) -> tuple[str, str]:
    return rng.choice(sorted(UNIT_FACTORS))


DOMAINS: dict[str, Domain] = {
    "weather": Domain(
        ("I'm planning a picnic this weekend.", "I'm packing for a trip.", "We might go hiking.",
         "I'm deciding what to wear."),
        (
            T("get_weather_forecast", "Get the weather forecast for a city.", "city date? temp_unit?",
              ("check the weather forecast", "get the forecast", "look up the weather forecast"),
              asks=("what's the weather forecast", "what will the weather be like"),
              out={"condition": CONDITIONS, "high": Span(12, 34)},
              say="Expect {condition} in {city} with a high of {high} degrees."),
            T("get_current_weather", "Get the current weather in a city.", "city temp_unit? include_wind?",
              ("check the current weather", "get the weather right now"),
              asks=("what's the weather like right now", "how's the weather at the moment"),
              out={"temperature": Span(-5, 35), "condition": CONDITIONS},
              say="It's {temperature} degrees and {condition} in {city} right now."),
            T("get_air_quality", "Get the air quality index for a city.", "city",
              ("check the air quality", "get the air quality index"),
              asks=("how's the air quality", "what's the air quality index"),
              out={"aqi": Span(10, 180), "level": ("good", "moderate", "poor")},
              say="The air quality index in {city} is {aqi}, which is {level}."),
            T("get_uv_index", "Get the UV index for a city.", "city date?",
              ("check the UV index", "get the UV index"), asks=("what's the UV index", "how strong will the sun be"),
              out={"uv_index": Span(1, 11)}, say="The UV index in {city} is {uv_index}."),
            T("get_sunrise_sunset", "Get sunrise and sunset times for a city on a date.", "city date",
              ("get the sunrise and sunset times", "look up sunrise and sunset"),
              asks=("when are sunrise and sunset", "what time does the sun rise and set"),
              out={"sunrise": ("05:48", "06:12", "06:35", "07:02", "07:41"),
                   "sunset": ("17:05", "18:22", "19:40", "20:15", "21:03")},
              say="On {date} in {city}, sunrise is at {sunrise} and sunset at {sunset}."),
            T("get_pollen_count", "Get today's pollen level in a city.", "city pollen_type?",
              ("check the pollen count", "get the pollen levels"),
              asks=("how bad is the pollen", "what's the pollen count"),
              out={"level": ("low", "moderate", "high", "very high")}, say="Pollen in {city} is {level} today."),
            T("get_weather_alerts", "List active severe weather alerts for a city.", "city",
              ("check for severe weather alerts", "list active weather warnings"), asks="are there any weather alerts",
              out={"alerts": Span(0, 3)}, say="Active weather alerts for {city}: {alerts}."),
        ),
    ),
    "travel": Domain(
        ("I'm planning a trip next month.", "We're organizing a family vacation.", "I have a work trip coming up.",
         "I'm sorting out my travel plans."),
        (
            T("search_flights", "Search flights between two cities on a date.", "origin destination date cabin?",
              ("search for flights", "find flights", "look for flights"), asks="what flights are there",
              out={"cheapest_price": Span(60, 900), "airline": AIRLINES},
              say="The cheapest flight from {origin} to {destination} on {date} costs {cheapest_price} "
                  "with {airline}."),
            T("search_hotels", "Find hotels in a city.", "city max_price? breakfast?",
              ("find hotels", "search for hotels", "look up hotels"), asks="which hotels are available",
              out={"count": Span(3, 40), "top_pick": HOTELS},
              say="I found {count} hotels in {city}; the top pick is {top_pick}."),
            T("book_hotel", "Book a hotel room in a city for given dates.", "city check_in check_out party_size?",
              ("book a hotel room", "reserve a hotel room"), fixed=True, joint=(("check_in", "check_out"), _date_span),
              out={"reference": REF},
              say="Your hotel in {city} is booked from {check_in} to {check_out}. Reference: {reference}."),
            T("get_flight_status", "Get the live status of a flight.", "flight",
              ("check the status of flight {m}", "track flight {m}"),
              asks=("is flight {m} on time", "what's the status of flight {m}"),
              out={"status": ("on time", "delayed by 25 minutes", "boarding", "landed"),
                   "gate": ("A4", "B12", "C7", "D21", "E3")},
              say="Flight {flight} is {status} at gate {gate}."),
            T("rent_car", "Reserve a rental car.", "city pickup_date return_date car_type?",
              ("rent a car", "book a rental car"), fixed=True, joint=(("pickup_date", "return_date"), _date_span),
              out={"reference": REF},
              say="Your rental car in {city} is reserved from {pickup_date} to {return_date}. Reference: {reference}."),
            T("check_visa_requirements", "Check visa rules for a traveler visiting a country.",
              "nationality dest_country",
              ("check the visa requirements", "look up the visa rules"), asks="what are the visa rules",
              out={"rule": ("visa-free for up to 90 days", "an e-visa is required", "visa on arrival",
                            "a visa is required in advance")},
              say="For {nationality} travelers visiting {dest_country}: {rule}."),
            T("find_train_connections", "Find train connections between two cities.", "origin destination date time?",
              ("find trains", "look up train connections", "search for train times"), asks="which trains run",
              out={"departures": Span(2, 14), "first_departure": ("06:10", "06:45", "07:20", "08:05")},
              say="There are {departures} trains from {origin} to {destination} on {date}; "
                  "the first leaves at {first_departure}."),
            T("cancel_booking", "Cancel a travel booking by its reference.", "booking_id",
              ("cancel booking {m}", "cancel {my} reservation {m}"),
              out={"refund": Span(0, 400)}, say="Booking {booking_id} is cancelled, and {refund} will be refunded."),
            T("get_baggage_allowance", "Get the baggage allowance for an airline and cabin.", "airline cabin",
              ("check the baggage allowance", "look up the luggage allowance"), asks="how much luggage is allowed",
              out={"checked_bags": (2, 3), "max_kg": (20, 23, 32)},
              say="Flying {airline} in {cabin}, you can check {checked_bags} bags of up to {max_kg} kg."),
        ),
    ),
    "finance": Domain(
        ("I'm reviewing my budget.", "I'm thinking about investing.", "Quick money question.",
         "I'm sorting out my finances."),
        (
            T("get_stock_price", "Get the latest price of a stock.", "ticker",
              ("get the stock price", "check the share price"), asks=("what's the stock price", "how much is a share"),
              out={"price": Span(10, 950, 0.01)}, say="{ticker} is trading at {price}."),
            T("compare_stock_returns", "Compare how several stocks did this year.", "tickers",
              ("compare {m}", "compare the stocks {m}"), asks="how do {m} compare",
              out={"best": lambda r, a: r.choice(a["tickers"]), "gain": Span(1, 40, 0.1)},
              say="{best} did best, up {gain}% this year."),
            T("convert_currency", "Convert an amount from one currency to another.", "amount currency_from currency_to",
              ("convert", "change"), asks="how much is",
              out={"converted": lambda r, a: round(a["amount"] * r.uniform(0.6, 1.6), 2)},
              say="{amount} {currency_from} is about {converted} {currency_to}."),
            T("get_exchange_rate", "Get the exchange rate between two currencies.", "base_currency quote_currency",
              ("get the exchange rate", "look up the exchange rate"), asks="what's the exchange rate",
              out={"rate": Span(0.1, 2.5, 0.0001)}, say="1 {base_currency} is worth {rate} {quote_currency}."),
            T("get_account_balance", "Get the balance of a bank account.", "account",
              ("check {my} account balance", "get the balance"), asks=("what's the balance", "how much money is"),
              out={"balance": Span(20, 9000, 0.01)}, say="Account {account} has a balance of {balance}."),
            T("transfer_money", "Transfer money between two accounts.", "amount from_account to_account note?",
              ("transfer", "send", "move"), out={"reference": REF},
              say="Done: {amount} went to {to_account}. Reference: {reference}."),
            T("get_crypto_price", "Get the current price of a cryptocurrency.", "coin currency?",
              ("check the crypto price", "get the current coin price"),
              asks=("what's the crypto price", "what's the latest coin price"),
              out={"price": Span(0.05, 70000, 0.01)}, say="{coin} is currently at {price}."),
            T("calculate_loan_payment", "Compute the monthly payment of a loan.", "principal rate loan_years",
              ("calculate the monthly payment", "work out the monthly loan payment"),
              asks="what would the monthly payment be", out={"payment": _loan_payment},
              say="The monthly payment would be about {payment}."),
            T("log_expense", "Record an expense in a budget category.", "amount expense_category note?",
              ("log an expense of", "record a purchase of", "add an expense of"),
              out={"month_total": Span(50, 1500, 0.01)},
              say="Logged. You've spent {month_total} on {expense_category} this month."),
            T("get_spending_summary", "Summarize spending over a period.", "period expense_category?",
              ("summarize {my} spending", "show {my} spending"), asks="how much did I spend",
              out={"total": Span(40, 5000, 0.01)}, say="You spent {total} this {period}."),
        ),
    ),
    "food": Domain(
        ("I'm hosting friends tonight.", "I'm trying to eat healthier.", "Dinner plans are on me this week.",
         "I'm hungry and out of ideas."),
        (
            T("search_recipes", "Find recipes that use some ingredients.", "ingredients diet? max_minutes?",
              ("find recipes", "search for recipes", "suggest recipes"),
              out={"count": Span(3, 30), "top_recipe": DISHES},
              say="I found {count} recipes with {ingredients}; {top_recipe} looks like a good one."),
            T("find_restaurants", "Find restaurants in a city.", "city cuisine? open_now?",
              ("find restaurants", "look for places to eat", "recommend restaurants"), asks="where should I eat",
              out={"count": Span(4, 60), "top_pick": RESTAURANTS},
              say="{top_pick} is the top pick among {count} places in {city}."),
            T("book_table", "Reserve a table at a restaurant.", "restaurant date time party_size",
              ("book a table", "reserve a table"), out={"reference": REF},
              say="Your table at {restaurant} on {date} at {time} is confirmed. Reference: {reference}."),
            T("get_nutrition_info", "Get nutrition facts for a food.", "food serving_grams?",
              ("get the nutrition facts", "look up the calories"), asks="what's the nutrition info",
              out={"calories": Span(40, 600), "protein_g": Span(0, 30)},
              say="That serving of {food} has {calories} calories and {protein_g} g of protein."),
            T("order_food_delivery", "Order a dish for delivery from a restaurant.", "portions? dish restaurant",
              ("order", "get {m} delivered"), says={"restaurant": ("from {v}",)},
              out={"eta_minutes": Span(15, 60), "total": Span(12, 80, 0.01)},
              say="Your order is placed: about {eta_minutes} minutes, total {total}."),
            T("add_to_grocery_list", "Add items to the grocery list.", "grocery_items",
              ("add {m} to {my} grocery list", "put {m} on the shopping list"),
              out={"items": Span(2, 25)}, say="Added {grocery_items}. Your list now has {items} items."),
            T("find_wine_pairing", "Suggest a wine to go with a dish.", "dish",
              ("suggest a wine to go", "find a wine pairing"), asks="which wine goes well",
              says={"dish": ("with {v}",)},
              out={"wine": WINES}, say="A {wine} goes nicely with {dish}."),
            T("create_meal_plan", "Create a meal plan for a diet.", "diet days? calories?",
              ("create a meal plan", "make a meal plan", "plan meals"),
              says={"diet": ("for a {v} diet",)},
              out={"meals": Span(7, 21)}, say="Your {diet} meal plan is ready with {meals} meals."),
        ),
    ),
    "health": Domain(
        ("I'm trying to build better habits.", "I'm keeping track of my health.", "My doctor told me to keep a log.",
         "I'm getting back into shape."),
        (
            T("calculate_bmi", "Calculate body mass index from weight and height.", "weight_kg height_cm",
              ("calculate the BMI", "work out the BMI"), asks="what's the BMI", fixed=True,
              out={"bmi": lambda r, a: round(a["weight_kg"] / (a["height_cm"] / 100) ** 2, 1)},
              say="That's a BMI of {bmi}."),
            T("log_workout", "Log a workout session.", "activity duration date?", ("log", "record", "track"),
              out={"calories_burned": Span(80, 700)},
              say="Logged! That workout burned about {calories_burned} calories."),
            T("find_pharmacy", "Find pharmacies in a city.", "city open_now?",
              ("find a pharmacy", "locate a nearby pharmacy"), asks="where's the nearest pharmacy",
              out={"name": ("Green Cross", "MedPlus", "CityCare", "WellPoint Chemist"),
                   "distance_km": Span(0.2, 5, 0.1)},
              say="{name} is the closest one, {distance_km} km away."),
            T("book_doctor_appointment", "Book a doctor's appointment.", "specialty date time?",
              ("book a doctor's appointment", "schedule a doctor's visit"), out={"reference": REF},
              say="You're booked for {specialty} on {date}. Reference: {reference}."),
            T("log_water_intake", "Log how much water was drunk.", "water_ml", ("log", "record", "add"),
              out={"total_ml": Span(500, 3000, 50)}, say="Logged. That's {total_ml} ml today."),
            T("get_medication_info", "Get basic information about a medication.", "medication",
              ("look up {m}", "get information about the medication {m}"),
              asks="what are the common side effects of {m}",
              out={"common_side_effect": ("nausea", "drowsiness", "headache", "upset stomach", "dizziness")},
              say="A common side effect of {medication} is {common_side_effect}."),
            T("log_sleep", "Log last night's sleep.", "sleep_hours sleep_quality? date?",
              ("log {my} sleep", "record last night's sleep"),
              out={"weekly_average": Span(5, 8.5, 0.1)}, say="Saved. Your weekly average is {weekly_average} hours."),
            T("get_step_count", "Get the step count for a day.", "date", ("get {my} step count", "check {my} steps"),
              asks="how many steps did I take", out={"steps": Span(1000, 18000)},
              say="You took {steps} steps on {date}."),
        ),
    ),
    "sports": Domain(
        ("I missed the game last night.", "I'm following the season closely.", "My friends and I are debating.",
         "I want to catch a game this week."),
        (
            T("get_match_score", "Get the latest match score for a team.", "team date?",
              ("get the latest score", "check the score"), asks="what was the score",
              out={"score": ("2-1", "3-3", "101-98", "0-2", "4-1", "110-104"), "opponent": _other(TEAMS, "team")},
              say="The {team} played the {opponent}; final score {score}."),
            T("get_league_standings", "Get the current standings of a league.", "league season?",
              ("show the standings", "get the league table"), asks="who's leading",
              out={"leader": TEAMS, "points": Span(20, 90)}, say="{leader} lead the {league} with {points} points."),
            T("compare_players", "Compare the season statistics of players.", "players",
              ("compare {m}", "compare the stats of {m}"), asks="how do {m} compare",
              out={"leader": lambda r, a: r.choice(a["players"]), "points_per_game": Span(12, 32, 0.1)},
              say="{leader} leads with {points_per_game} points per game."),
            T("get_player_stats", "Get season statistics for a player.", "player season?",
              ("get the stats", "pull up the stats"), asks="what are the stats",
              out={"games": Span(5, 82), "points_per_game": Span(2, 32, 0.1)},
              say="{player} averages {points_per_game} points over {games} games."),
            T("get_game_schedule", "Get a team's upcoming games.", "team days?",
              ("show the upcoming games", "get the game schedule"), asks="when is the next game",
              out={"opponent": _other(TEAMS, "team"), "next_date": lambda r, a: _date(r)},
              say="The {team} play the {opponent} next, on {next_date}."),
            T("buy_event_tickets", "Buy tickets for an event.", "ticket_count event_id", ("buy", "purchase"),
              out={"reference": REF, "total": Span(20, 400)},
              say="You have {ticket_count} tickets for {event_id}, total {total}. Reference: {reference}."),
            T("find_sports_venue", "Find places to play a sport in a city.", "sport city",
              ("find places to play", "find a court or field to play"),
              out={"venue": ("Riverside Courts", "Northside Arena", "Parkview Sports Hall", "Eastgate Field"),
                   "count": Span(2, 15)},
              say="{venue} is the top pick out of {count} spots in {city}."),
        ),
    ),
    "music": Domain(
        ("I'm about to go for a run.", "I'm hosting a dinner party.", "I need some background music.",
         "I'm in the mood for music."),
        (
            T("play_song", "Play a song.", "song artist?", ("play", "put on"),
              out={"status": "playing", "length": ("2:58", "3:12", "4:05", "5:21")},
              say='Now playing "{song}" ({length}).'),
            T("create_playlist", "Create a new playlist.", "new_playlist public? songs?",
              ("create a playlist", "make a new playlist"), out={"playlist_id": lambda r, a: code("PL-", 5)(r)},
              say='Created "{new_playlist}" (id {playlist_id}).'),
            T("add_song_to_playlist", "Add a song to a playlist.", "song playlist", ("add", "save"),
              out={"tracks": Span(3, 80)}, say='Added. "{playlist}" now has {tracks} tracks.'),
            T("get_artist_info", "Get information about a music artist.", "artist",
              ("look up the artist", "get info on the artist"), asks="who is", says={"artist": ("{v}",)},
              out={"genre": ("indie pop", "jazz", "folk", "electronic", "soul", "rock"), "albums": Span(2, 12)},
              say="{artist} makes {genre} and has {albums} albums out."),
            T("get_song_lyrics", "Get the lyrics of a song.", "song artist?", ("get the lyrics", "show the lyrics"),
              asks="what are the lyrics", says={"song": ('for "{v}"', 'to "{v}"')},
              out={"lines": Span(12, 60)}, say='I pulled up the lyrics for "{song}" ({lines} lines).'),
            T("set_volume", "Set the playback volume.", "volume", ("set the volume", "turn the volume"),
              out={"level": lambda r, a: a["volume"]}, say="Volume set to {level}."),
            T("find_concerts", "Find upcoming concerts in a city.", "city artist? date?",
              ("find concerts", "look for live shows"), asks="what concerts are on",
              out={"count": Span(2, 20), "venue": ("The Roundhouse", "Blue Room", "Civic Hall", "Parkside Stage")},
              say="There are {count} concerts in {city}; one is at {venue}."),
            T("recommend_songs", "Recommend songs by genre.", "music_genre mood?",
              ("recommend some songs", "suggest some music"), out={"first_pick": SONGS},
              say='Try "{first_pick}" to start.'),
        ),
    ),
    "movies": Domain(
        ("It's movie night.", "I'm free this evening.", "My partner and I can't decide what to watch.",
         "I'm looking for something to watch."),
        (
            T("get_movie_showtimes", "Get showtimes for a movie in a city.", "movie city date?",
              ("find showtimes", "get the showtimes"), asks="what are the showtimes", says={"movie": ('for "{v}"',)},
              out={"first_show": ("14:10", "16:30", "18:45"), "last_show": ("20:15", "21:40", "22:30")},
              say='"{movie}" plays in {city} at {first_show} and {last_show}.'),
            T("search_movies", "Search movies by genre.", "film_genre year? min_rating?",
              ("find movies", "search for films", "recommend some movies"),
              out={"top_pick": MOVIES, "count": Span(5, 80)},
              say='I found {count} titles; "{top_pick}" is a good start.'),
            T("get_movie_details", "Get details about a movie.", "movie",
              ("look up the movie", "get details on the movie"), asks=("who directed", "what's the runtime of"),
              out={"year": Span(1980, 2024), "runtime_min": Span(85, 170), "director": PEOPLE},
              say='"{movie}" came out in {year}, runs {runtime_min} minutes and was directed by {director}.'),
            T("add_to_watchlist", "Add a movie to the watchlist.", "movie",
              ("add {m} to {my} watchlist", "save {m} to watch later"),
              out={"watchlist_size": Span(2, 60)}, say="Added! Your watchlist has {watchlist_size} titles."),
            T("rate_movie", "Rate a movie from 1 to 5 stars.", "movie stars", ("rate", "give"),
              out={"average": Span(2.5, 4.9, 0.1)}, say="Thanks! The average rating is now {average}."),
            T("find_streaming_service", "Find which service streams a movie.", "movie country?",
              ("find where to stream {m}", "check which service streams {m}"), asks="where can I stream",
              says={"country": ("in {v}",)},
              out={"service": ("StreamBox", "Flixly", "ReelNow", "CinemaCloud")},
              say='"{movie}" is streaming on {service}.'),
            T("buy_movie_tickets", "Buy cinema tickets for a movie.", "movie city date party_size",
              ("buy movie tickets", "book cinema tickets"), says={"movie": ('for "{v}"',)}, out={"reference": REF},
              say='Your tickets for "{movie}" on {date} are booked. Reference: {reference}.'),
        ),
    ),
    "shopping": Domain(
        ("I'm doing some online shopping.", "I need to sort out an order.", "I'm shopping for a gift.",
         "My package situation is a mess."),
        (
            T("search_products", "Search the store for products.", "product max_price? in_stock?",
              ("search for", "find", "look for"),
              out={"results": Span(3, 120), "lowest_price": Span(5, 300, 0.01)},
              say="I found {results} results for {product}, starting at {lowest_price}."),
            T("track_package", "Track a package by tracking number.", "tracking",
              ("track package {m}", "find out where package {m} is"), asks="where is package {m}",
              out={"status": ("in transit", "out for delivery", "delivered", "at the local depot"),
                   "eta": lambda r, a: _date(r)},
              say="Package {tracking} is {status}; expected {eta}."),
            T("add_to_cart", "Add a product to the shopping cart.", "units? product size?",
              ("add {m} to {my} cart", "put {m} in {my} cart"),
              out={"items_in_cart": Span(2, 12)}, say="Added. You now have {items_in_cart} items in your cart."),
            T("cancel_order", "Cancel an order.", "order_id reason?", ("cancel order {m}", "cancel {my} order {m}"),
              out={"refund": Span(5, 500, 0.01)}, say="Order {order_id} is cancelled; {refund} will be refunded."),
            T("return_item", "Start a return for an item from an order.", "product order_id",
              ("return the {m}", "start a return for the {m}"), says={"order_id": ("from order {v}",)},
              out={"return_label": lambda r, a: code("RL-", 6)(r)},
              say="Return started. Your label code is {return_label}."),
            T("apply_coupon", "Apply a coupon code to the cart.", "coupon",
              ("apply the coupon {m}", "use the promo code {m}"),
              out={"discount": Span(2, 40, 0.01)}, say="Code {coupon} saved you {discount}."),
            T("compare_prices", "Compare prices for a product across stores.", "product stores?",
              ("compare prices for {m}", "find the best price on {m}"),
              out={"lowest_price": Span(5, 300, 0.01), "store": STORES},
              say="The best price for {product} is {lowest_price} at {store}."),
            T("check_store_hours", "Get a store's opening hours.", "store city?",
              ("check the opening hours", "get the store hours"), asks="what are the opening hours",
              says={"city": ("in {v}",)},
              out={"opens": ("08:00", "09:00", "10:00"), "closes": ("18:00", "20:00", "21:00")},
              say="{store} is open from {opens} to {closes}."),
        ),
    ),
    "email": Domain(
        ("I'm catching up on email.", "I'm cleaning up my inbox.", "I need to reach a colleague.",
         "Work is piling up."),
        (
            T("send_email", "Send an email.", "email subject message? urgent?", ("send an email", "write an email"),
              says={"message": ('saying "{v}"', 'with the body "{v}"')},
              out={"message_id": lambda r, a: code("MSG-", 4)(r)},
              say="Your email to {email} has been sent (message ID {message_id})."),
            T("search_emails", "Search the inbox for emails from a sender.", "sender file_query? unread?",
              ("search {my} inbox for emails", "find emails"), says={"file_query": ('about "{v}"', 'mentioning "{v}"')},
              out={"count": Span(2, 25)}, say="Found {count} matching emails from {sender}."),
            T("create_email_draft", "Create an email draft.", "email subject cc?",
              ("draft an email", "start an email draft"), out={"draft_id": lambda r, a: code("DR-", 4)(r)},
              say="Draft saved ({draft_id})."),
            T("set_out_of_office", "Turn on an automatic out-of-office reply.", "start_date end_date message?",
              ("turn on {my} out-of-office reply", "set an out-of-office message"), fixed=True,
              joint=(("start_date", "end_date"), _date_span), out={"status": "active"},
              say="Your out-of-office reply is {status} from {start_date} to {end_date}."),
            T("archive_emails", "Archive emails from a sender.", "sender days_old?",
              ("archive emails", "archive all mail"),
              out={"archived": Span(3, 200)}, say="Archived {archived} emails from {sender}."),
            T("forward_email", "Forward an email to someone.", "email_id email",
              ("forward email {m}", "forward message {m}"), out={"status": "forwarded"},
              say="Email {email_id} was {status} to {email}."),
        ),
    ),
    "messaging": Domain(
        ("I'm running late.", "I need to reach a friend.", "Quick favor while I'm driving.",
         "I'm coordinating with my team."),
        (
            T("send_text_message", "Send a text message to a phone number.", "phone message",
              ("text", "send a text to"),
              out={"status": "delivered"}, say="Your text to {phone} was {status}."),
            T("post_chat_message", "Post a message in a chat channel.", "channel message",
              ("post a message", "send a message"),
              out={"status": "posted", "message_id": lambda r, a: code("CM-", 5)(r)},
              say="Message {message_id} is {status} in {channel}."),
            T("call_contact", "Call a contact.", "contact speaker?", ("call", "phone", "ring"),
              out={"status": "ringing"}, say="Calling {contact} now; the phone is {status}."),
            T("schedule_text_message", "Schedule a text message for later.", "phone message date time",
              "schedule a text to", out={"status": "scheduled"},
              say="Your text to {phone} is {status} for {date} at {time}."),
            T("create_group_chat", "Create a group chat.", "group_name members",
              ("create a group chat", "start a group chat"), out={"chat_id": lambda r, a: code("GC-", 4)(r)},
              say='The group "{group_name}" is ready (chat ID {chat_id}).'),
            T("set_status", "Set the chat status message.", "status_text", ("set {my} status", "change {my} status"),
              out={"status": "updated"}, say='Your status is {status} and now reads "{status_text}".'),
        ),
    ),
    "calendar": Domain(
        ("My week is getting busy.", "I'm organizing my schedule.", "I'm planning next week.",
         "I keep forgetting things."),
        (
            T("create_calendar_event", "Create a calendar event.", "event_title date time duration?",
              ("add an event", "create a calendar event", "put an event on {my} calendar"),
              out={"event_id": lambda r, a: code("EV-", 4)(r)},
              say='"{event_title}" is on your calendar for {date} at {time} (event {event_id}).'),
            T("list_events", "List calendar events on a date.", "date", ("list {my} events", "show {my} calendar"),
              asks=("what's on {my} calendar", "what do I have"),
              out={"count": Span(2, 6), "first_event": lambda r, a: code("EVT-", 4)(r)},
              say="You have {count} events on {date}."),
            T("set_reminder", "Set a reminder for a task.", "task time date?", ("remind {me}", "set a reminder"),
              says={"task": ("to {v}",)}, out={"reminder_id": lambda r, a: code("RM-", 4)(r)},
              say="Reminder {reminder_id} is set: I'll remind you to {task} at {time}."),
            T("find_free_slot", "Find a free slot in the calendar.", "date duration",
              ("find a free slot", "find free time"), asks="when am I free",
              out={"start": ("09:00", "10:30", "13:00", "15:30", "16:45")}, say="You're free at {start} on {date}."),
            T("invite_to_event", "Invite someone to a calendar event.", "email event_id", "invite",
              says={"email": ("{v}",), "event_id": ("to event {v}",)},
              out={"status": "invited", "attendees": Span(2, 12)},
              say="{email} has been invited; {attendees} people are on the list now."),
            T("cancel_event", "Cancel a calendar event.", "event_id",
              ("cancel event {m}", "delete event {m} from {my} calendar"), says={"event_id": ("{v}",)},
              out={"status": "cancelled", "notified": Span(2, 8)},
              say="Event {event_id} is cancelled and {notified} attendees were notified."),
            T("reschedule_event", "Move a calendar event to a new date.", "event_id new_date new_time?",
              ("move event {m}", "reschedule event {m}"), says={"event_id": ("{v}",)},
              out={"status": "moved", "conflicts": Span(0, 2)},
              say="Event {event_id} now takes place on {new_date}; conflicts found: {conflicts}."),
        ),
    ),
    "maps": Domain(
        ("I'm new in town.", "I'm heading out soon.", "I'm meeting a friend downtown.", "I don't know the area well."),
        (
            T("get_directions", "Get directions between two places.", "place_from place_to mode? avoid_tolls?",
              ("get directions", "show {me} the way"),
              out={"minutes": Span(5, 90), "distance_km": Span(0.5, 40, 0.1)},
              say="It's {distance_km} km, about {minutes} minutes."),
            T("estimate_travel_time", "Estimate the travel time between two places.", "place_from place_to mode?",
              "estimate the travel time", asks="how long does it take to get", out={"minutes": Span(5, 90)},
              say="It takes about {minutes} minutes from {place_from} to {place_to}."),
            T("find_nearby_places", "Find places of a given kind nearby.", "poi near radius_km?",
              ("find a {m}", "look for a {m}"), asks="where's the closest {m}",
              out={"count": Span(2, 12), "closest_m": Span(50, 1500, 10)},
              say="There are {count} options; the closest is {closest_m} m away."),
            T("geocode_address", "Get the coordinates of an address.", "address",
              ("get the coordinates", "geocode the address"), says={"address": ("of {v}", "for {v}")},
              out={"lat": Span(-60, 60, 0.0001), "lon": Span(-120, 150, 0.0001)}, say="{address} is at {lat}, {lon}."),
            T("get_traffic", "Get current traffic conditions in a city.", "city",
              ("check the traffic", "get a traffic update"), asks="how's the traffic",
              out={"level": ("light", "moderate", "heavy"), "delay_min": Span(2, 40)},
              say="Traffic in {city} is {level}, with delays of about {delay_min} minutes."),
            T("save_favorite_place", "Save an address as a favorite place.", "address place_label",
              ("save", "bookmark the address"), says={"address": ("{v}",)}, out={"favorites": Span(2, 20)},
              say='Saved {address} as "{place_label}". You have {favorites} favorites now.'),
            T("get_distance", "Get the distance between two cities.", "origin destination",
              "get the distance", asks="how far is it", out={"km": Span(20, 1800)},
              say="It's about {km} km from {origin} to {destination}."),
        ),
    ),
    "math": Domain(
        ("I'm checking my homework.", "Quick math question.", "I'm doing some calculations.",
         "I'm double-checking a number."),
        (
            T("evaluate_expression", "Evaluate an arithmetic expression.", "expression",
              ("calculate", "compute", "evaluate"),
              asks=("what is", "what's"), out={"result": lambda r, a: evaluate(a["expression"])},
              say="{expression} = {result}."),
            T("is_prime_number", "Check whether a number is prime.", "integer",
              ("check whether {m} is prime", "test if {m} is a prime number"), asks="is {m} a prime number",
              out={"result": lambda r, a: "prime" if _is_prime(a["integer"]) else "not prime"},
              say="{integer} is {result}."),
            T("find_gcd", "Find the greatest common divisor of two numbers.", "gcd_a gcd_b",
              ("find the greatest common divisor of", "compute the GCD of"),
              asks="what's the greatest common divisor of",
              fixed=True, out={"gcd": lambda r, a: math.gcd(a["gcd_a"], a["gcd_b"])},
              say="The GCD of {gcd_a} and {gcd_b} is {gcd}."),
            T("random_number", "Pick a random whole number in a range.", "low high",
              ("pick a random number", "generate a random number"), fixed=True,
              out={"number": lambda r, a: r.randint(a["low"], a["high"])}, say="Your random number is {number}."),
            T("sort_numbers", "Sort numbers from smallest to largest.", "numbers", ("sort {m}", "put {m} in order"),
              out={"smallest": lambda r, a: min(a["numbers"]), "largest": lambda r, a: max(a["numbers"])},
              say="Sorted: they run from {smallest} to {largest}."),
            T("compute_factorial", "Compute the factorial of a number.", "factorial_n",
              ("compute the factorial", "calculate the factorial"), asks="what's the factorial",
              out={"result": lambda r, a: math.factorial(a["factorial_n"])},
              say="The factorial of {factorial_n} is {result}."),
            T("round_number", "Round a number to some decimal places.", "decimal_value decimals", "round", fixed=True,
              out={"result": lambda r, a: _num(round(a["decimal_value"], a["decimals"]))},
              say="{decimal_value} rounded is {result}."),
            T("calculate_tip", "Calculate the tip on a bill.", "bill tip_percent split?",
              ("calculate the tip", "work out the tip"),
              out={"tip": lambda r, a: round(a["bill"] * a["tip_percent"] / 100, 2)}, say="The tip is {tip}."),
        ),
    ),
    "units": Domain(
        ("I'm following a foreign recipe.", "I'm reading an American article.", "I'm shopping abroad.",
         "I'm working with a colleague overseas."),
        (
            T("convert_units", "Convert a value between units of length, weight or volume.", "value from_unit to_unit",
              "convert", asks=("what is", "how much is"), joint=(("from_unit", "to_unit"), _unit_pair),
              out={"result": lambda r, a: round(a["value"] * UNIT_FACTORS[a["from_unit"], a["to_unit"]], 2)},
              say="{value} {from_unit} is {result} {to_unit}."),
            T("convert_temperature", "Convert a temperature between scales.", "degrees from_scale to_scale",
              "convert", asks="what is", out={"result": _convert_temperature},
              say="{degrees} degrees {from_scale} is {result} degrees {to_scale}."),
            T("convert_time_zone", "Convert a time from one time zone to another.", "time from_tz to_tz",
              "convert", says={"time": ("{v}",)}, out={"converted": _convert_tz},
              say="{time} in {from_tz} is {converted} in {to_tz}."),
            T("convert_cooking_measure", "Convert a kitchen measure to grams or milliliters.",
              "cook_amount from_measure cook_ingredient? to_measure", "convert", fixed=True,
              out={"result": lambda r, a: _num(round(a["cook_amount"] * COOKING_TO_GRAMS[a["from_measure"]], 1))},
              say="{cook_amount} {from_measure} is about {result} {to_measure}."),
            T("convert_shoe_size", "Convert a shoe size between size systems.", "shoe_size from_system to_system",
              "convert shoe size", out={"result": _shoe},
              say="Size {shoe_size} {from_system} is size {result} {to_system}."),
            T("get_current_time", "Get the current local time in a city.", "city",
              ("get the current time", "check the local time"), asks="what time is it",
              out={"time": lambda r, a: _time(r)}, say="It's {time} in {city}."),
            T("count_days_between", "Count the days between two dates.", "start_date end_date",
              ("count the days", "calculate the number of days"), asks="how many days are there", fixed=True,
              says={"start_date": ("between {v}",), "end_date": ("and {v}",)},
              joint=(("start_date", "end_date"), _date_span), out={"days": _days_between},
              say="There are {days} days between {start_date} and {end_date}."),
        ),
    ),
    "language": Domain(
        ("I'm learning a new language.", "I'm writing to a friend abroad.", "I'm proofreading something.",
         "I'm traveling soon."),
        (
            T("translate_text", "Translate text into another language.", "phrase language source_language? formal?",
              "translate"),
            T("detect_language", "Detect the language of a text.", "foreign",
              ("detect the language of {m}", "figure out which language {m} is"), asks="what language is {m}",
              out={"language": lambda r, a: FOREIGN[a["foreign"]]}, say="That's {language}."),
            T("define_word", "Get the dictionary definition of a word.", "word",
              ("define", "look up the definition of"), asks="what does {m} mean",
              out={"definition": lambda r, a: WORDS[a["word"]][0]}, say='"{word}" means {definition}.'),
            T("find_synonyms", "Find synonyms for a word.", "word limit?",
              ("find synonyms for {m}", "list synonyms of {m}"), asks="what are some synonyms for {m}",
              out={"synonyms": lambda r, a: WORDS[a["word"]][1]}, say="Synonyms for {word}: {synonyms}."),
            T("check_grammar", "Check a sentence for grammar mistakes.", "draft",
              ("check the grammar of {m}", "proofread {m}"), out={"corrected": lambda r, a: DRAFTS[a["draft"]]},
              say='Corrected: "{corrected}"'),
            T("get_pronunciation", "Get the pronunciation of a word.", "word",
              ("show how to pronounce {m}", "get the pronunciation of {m}"), asks="how do you pronounce {m}"),
        ),
    ),
    "files": Domain(
        ("I'm cleaning up my laptop.", "I'm organizing my documents.", "I need to share something with a colleague.",
         "My drive is a mess."),
        (
            T("search_files", "Search files by name.", "file_query file_type?", ("search {my} files", "find files"),
              out={"matches": Span(2, 30)}, say='I found {matches} files matching "{file_query}".'),
            T("move_file", "Move a file to a folder.", "path folder", "move",
              out={"new_path": lambda r, a: a["folder"] + "/" + a["path"].split("/")[-1]},
              say="Moved. It's now at {new_path}."),
            T("share_file", "Share a file with someone by email.", "path email permission?", "share",
              says={"email": ("with {v}",)}, out={"link": lambda r, a: "https://files.example.com/s/" + _ref(r)},
              say="Shared {path} with {email}; the link is {link}."),
            T("zip_files", "Put files into one zip archive.", "paths", ("zip {m}", "put {m} into one zip file"),
              out={"size_mb": Span(1, 900)}, say="Zipped {paths} ({size_mb} MB)."),
            T("delete_file", "Delete a file.", "path permanent?", ("delete", "remove the file"),
              out={"status": "deleted", "freed_mb": Span(1, 500)},
              say="{path} has been deleted, freeing {freed_mb} MB."),
            T("rename_file", "Rename a file.", "path new_name", "rename",
              out={"new_path": lambda r, a: "/".join(a["path"].split("/")[:-1] + [a["new_name"]])},
              say="Renamed; the file is now {new_path}."),
            T("compress_folder", "Compress a folder into a zip archive.", "folder",
              ("zip up the folder", "compress the folder"), says={"folder": ("{v}",)},
              out={"archive": lambda r, a: a["folder"].replace("/", "_") + ".zip", "size_mb": Span(1, 900)},
              say="Created {archive} ({size_mb} MB)."),
            T("get_storage_usage", "Get storage usage for a device.", "drive",
              ("check {my} storage usage", "show how much storage is used"), asks="how much storage am I using",
              out={"used_gb": Span(5, 900), "free_gb": Span(1, 500)},
              say="You're using {used_gb} GB on the {drive}, with {free_gb} GB free."),
        ),
    ),
    "smart_home": Domain(
        ("I'm heading to bed.", "I just got home.", "I'm leaving the house.", "Guests are coming over."),
        (
            T("set_thermostat", "Set the thermostat temperature.", "thermostat_temp room? hvac_mode?",
              ("set the thermostat", "set the heating"), out={"current": Span(15, 26)},
              say="Thermostat set to {thermostat_temp} degrees; it's {current} now."),
            T("turn_on_device", "Turn on a smart device.", "device", ("turn on", "switch on"),
              out={"state": "on", "power_w": Span(5, 2000, 5)},
              say="The {device} is {state}, drawing {power_w} W."),
            T("turn_off_device", "Turn off a smart device.", "device", ("turn off", "switch off", "shut off"),
              out={"state": "off"}, say="The {device} is now {state}."),
            T("set_light_brightness", "Set the brightness of a light.", "light brightness",
              ("set the brightness of", "dim"), fixed=True, out={"level": lambda r, a: a["brightness"]},
              say="Brightness of the {light} is now {level}%."),
            T("lock_door", "Lock a door.", "door", "lock the {m} door", out={"locked": True, "battery": Span(20, 100)},
              say="The {door} door is locked; the lock battery is at {battery}%."),
            T("start_robot_vacuum", "Start the robot vacuum in a room.", "room vacuum_mode?",
              ("start the robot vacuum", "run the vacuum"), out={"minutes_left": Span(10, 60)},
              say="The vacuum is running in the {room}; about {minutes_left} minutes to go."),
            T("set_alarm", "Set an alarm.", "time alarm_label? repeat_daily?", ("set an alarm", "create an alarm"),
              says={"time": ("for {v}", "at {v}")}, out={"alarm_id": lambda r, a: code("AL-", 3)(r)},
              say="Your alarm for {time} is set ({alarm_id})."),
            T("show_camera_feed", "Show a security camera feed.", "camera",
              ("show the {m} camera", "open the {m} camera feed"), out={"motion_events": Span(0, 9)},
              say="Here's the {camera} camera; {motion_events} motion events today."),
        ),
    ),
    "education": Domain(
        ("I'm studying for finals.", "I want to learn something new.", "I'm helping my kid with school.",
         "I'm a teacher preparing a class."),
        (
            T("search_courses", "Search online courses on a topic.", "topic level?",
              ("find courses", "search for online courses"),
              out={"count": Span(2, 50), "rating": Span(3.5, 4.9, 0.1)},
              say="I found {count} courses on {topic}; the best one is rated {rating}."),
            T("create_quiz", "Generate quiz questions on a subject.", "school_subject question_count? quiz_difficulty?",
              ("make a quiz", "generate quiz questions"), out={"quiz_id": lambda r, a: code("QZ-", 4)(r)},
              say="Your {school_subject} quiz is ready ({quiz_id})."),
            T("get_assignment_deadlines", "List upcoming assignment deadlines for a course.", "course",
              ("check {my} assignment deadlines", "list upcoming assignments"), asks="what's due",
              out={"title": ("Lab report", "Problem set 4", "Essay draft", "Reading quiz"), "due": lambda r,
                   a: _date(r)},
              say="Next up for {course}: {title}, due {due}."),
            T("get_exam_schedule", "Get the exam date for a course.", "course",
              ("get the exam schedule", "look up the exam dates"), asks="when is the exam",
              out={"exam_date": lambda r, a: _date(r), "room": ("Hall A", "Room 204", "Lab 3", "Auditorium")},
              say="The {course} exam is on {exam_date} in {room}."),
            T("create_flashcards", "Create a flashcard deck on a topic.", "topic card_count?",
              ("create flashcards", "make a flashcard deck"), out={"deck_id": lambda r, a: code("FC-", 4)(r)},
              say="Your flashcard deck on {topic} is ready ({deck_id})."),
            T("find_library_book", "Check if the library has a book.", "book author?",
              ("find the book", "check if the library has"),
              out={"availability": ("available", "checked out until next week"), "copies": Span(2, 4)},
              say='"{book}" is {availability}; the library owns {copies} copies.'),
            T("enroll_in_course", "Enroll the user in a course.", "course", ("enroll {me} in", "sign {me} up for"),
              says={"course": ("{v}",)}, out={"status": "enrolled", "starts": lambda r, a: _date(r)},
              say="You're enrolled in {course}; it starts on {starts}."),
        ),
    ),
    "jobs": Domain(
        ("I'm looking for a new job.", "I'm hiring for my team.", "I'm thinking about a career change.",
         "I'm preparing my applications."),
        (
            T("search_jobs", "Search job openings.", "job_title city? remote? employment?",
              ("search for jobs", "find job openings", "look for positions"),
              out={"count": Span(3, 120)}, say="I found {count} openings for {job_title} roles."),
            T("get_salary_estimate", "Estimate the salary for a job in a city.", "job_title city",
              "estimate the salary", asks="what's the typical salary", says={"job_title": ("for a {v}",)},
              out={"median": Span(30000, 160000, 1000)}, say="A {job_title} in {city} earns about {median} a year."),
            T("apply_to_job", "Apply to a job posting with a resume.", "job_id resume",
              ("apply to job {m}", "submit an application for job {m}"),
              out={"application_id": lambda r, a: code("APP-", 5)(r)},
              say="Applied to {job_id}. Application ID: {application_id}."),
            T("schedule_interview", "Schedule a job interview.", "person date time",
              ("schedule an interview", "set up an interview"), out={"reference": REF},
              say="The interview with {person} is set for {date} at {time}. Reference: {reference}."),
            T("get_company_reviews", "Get employee reviews of a company.", "company",
              ("get reviews for", "check employee reviews of"), asks="what do employees say about",
              out={"rating": Span(2.5, 4.8, 0.1), "reviews": Span(10, 900)},
              say="{company} is rated {rating} across {reviews} reviews."),
            T("calculate_take_home_pay", "Estimate monthly take-home pay from a salary.", "salary country?",
              ("calculate the take-home pay", "estimate the net pay"),
              out={"net_monthly": lambda r, a: round(a["salary"] * r.uniform(0.6, 0.8) / 12, 2)},
              say="That's about {net_monthly} a month after tax."),
        ),
    ),
    "real_estate": Domain(
        ("We're thinking about moving.", "My lease ends soon.", "I'm house hunting.",
         "I'm looking at investment properties."),
        (
            T("search_listings", "Search homes for sale in a city.", "city bedrooms? home_budget? property_type?",
              ("find homes for sale", "search listings", "look for homes to buy"),
              out={"count": Span(2, 80)}, say="There are {count} listings in {city} that match."),
            T("find_rentals", "Find rental apartments in a city.", "city max_rent bedrooms? pets_allowed?",
              ("find rentals", "look for apartments to rent"), out={"count": Span(2, 60)},
              say="I found {count} rentals in {city} within your budget."),
            T("estimate_home_value", "Estimate the market value of a home.", "address",
              ("estimate the value", "get a price estimate"), asks="what's the estimated value",
              says={"address": ("of {v}", "for {v}")}, out={"estimate": Span(150000, 1200000, 1000)},
              say="{address} is worth about {estimate}."),
            T("schedule_viewing", "Schedule a viewing of a listing.", "listing_id date time?",
              ("schedule a viewing of listing {m}", "book a tour of listing {m}"), out={"reference": REF},
              say="Viewing of {listing_id} booked for {date}. Reference: {reference}."),
            T("get_neighborhood_info", "Get information about the area around an address.", "address",
              ("get neighborhood info", "describe the neighborhood"), says={"address": ("around {v}", "near {v}")},
              out={"walk_score": Span(20, 99), "schools_nearby": Span(2, 8)},
              say="Around {address}: walk score {walk_score}, {schools_nearby} schools nearby."),
            T("contact_agent", "Send a message to a listing's agent.", "listing_id message",
              ("message the agent for listing {m}", "contact the agent about listing {m}"),
              out={"status": "sent", "reply_within_hours": Span(2, 48)},
              say="Your message about {listing_id} was {status}; agents usually reply within "
                  "{reply_within_hours} hours."),
        ),
    ),
    "news": Domain(
        ("I want to catch up on the news.", "I'm researching a topic.", "I have ten minutes over coffee.",
         "I'm preparing for a meeting."),
        (
            T("get_top_headlines", "Get the top headlines in a news section.", "news_category country?",
              ("get the top headlines", "show the latest news"), asks="what's in the news",
              out={"count": Span(5, 20)}, say="Here are {count} {news_category} headlines."),
            T("search_news", "Search recent news articles on a topic.", "topic days?",
              ("search the news", "find news articles"),
              says={"days": ("from the last {v} days", "over the past {v} days")}, out={"count": Span(2, 60)},
              say="I found {count} recent articles about {topic}."),
            T("summarize_article", "Summarize a web article.", "url",
              ("summarize the article at", "give {me} a summary of")),
            T("subscribe_newsletter", "Subscribe an email address to a newsletter.", "topics email frequency?",
              ("subscribe to a newsletter", "sign up for a newsletter"), says={"email": ("with {v}", "using {v}")},
              out={"status": "subscribed", "first_issue": lambda r, a: _date(r)},
              say="You're subscribed to news about {topics}; the first issue arrives {first_issue}."),
            T("save_article", "Save an article for later.", "url tag?", ("save", "bookmark"),
              out={"saved_count": Span(2, 200)}, say="Saved. You have {saved_count} saved articles."),
            T("get_trending_topics", "Get trending topics in a country.", "country",
              ("show trending topics", "list what's trending"), asks="what's trending", says={"country": ("in {v}",)},
              out={"top_topic": TOPICS}, say="The top trending topic in {country} is {top_topic}."),
        ),
    ),
    "social": Domain(
        ("I'm managing my social accounts.", "I want to share some news.", "I'm promoting a project.",
         "I'm growing my audience."),
        (
            T("create_social_post", "Publish a post on a social network.", "message platform hashtags?", ("post", "share"),
              says={"message": ('"{v}"',)}, out={"post_id": lambda r, a: code("PST-", 5)(r)},
              say="Posted on {platform} (post {post_id})."),
            T("schedule_social_post", "Schedule a social media post.", "message platform date time",
              "schedule the post",
              says={"message": ('"{v}"',)}, out={"status": "scheduled"},
              say="Your post is {status} for {date} at {time} on {platform}."),
            T("get_follower_count", "Get the follower count of an account.", "username platform?",
              ("check the follower count for", "get the followers of"), asks="how many followers does {m} have",
              says={"platform": ("on {v}",)},
              out={"followers": Span(50, 250000)}, say="{username} has {followers} followers."),
            T("reply_to_comment", "Reply to a comment.", "comment_id message", "reply to comment {m}",
              says={"message": ('with "{v}"', 'saying "{v}"')}, out={"reply_id": lambda r, a: code("CMT-", 4)(r)},
              say="Reply {reply_id} posted under {comment_id}."),
            T("search_hashtag", "Search posts with a hashtag.", "hashtag limit?",
              ("search posts tagged", "look up the hashtag"), out={"posts": Span(100, 90000)},
              say="{hashtag} has {posts} posts."),
        ),
    ),
    "notes": Domain(
        ("I need to get organized.", "My to-do list is growing.", "I want to focus this afternoon.",
         "I have a lot on my mind."),
        (
            T("create_note", "Create a note.", "note_title note_content? pinned? tags?",
              ("create a note", "write a note", "jot down a note"), out={"note_id": lambda r, a: code("N-", 4)(r)},
              say='Note "{note_title}" saved as {note_id}.'),
            T("create_checklist", "Create a checklist of tasks.", "tasks",
              ("create a checklist with {m}", "make a checklist: {m}"),
              out={"list_id": lambda r, a: code("CL-", 4)(r)}, say="Your checklist is saved as {list_id}."),
            T("search_notes", "Search notes for words.", "note_query", ("search {my} notes", "look through {my} notes"),
              out={"matches": Span(2, 12)}, say='{matches} notes mention "{note_query}".'),
            T("add_todo_item", "Add a task to the to-do list.", "task due_date? priority?",
              ("add {m} to {my} to-do list", "put {m} on {my} to-do list"), out={"open_items": Span(2, 20)},
              say='Added "{task}". You have {open_items} open items.'),
            T("complete_todo_item", "Mark a to-do item as done.", "task", ("mark {m} as done", "check off {m}"),
              out={"open_items": Span(2, 15)}, say='Marked "{task}" as done. {open_items} items left.'),
            T("start_timer", "Start a countdown timer.", "timer_minutes timer_label?", ("start a timer", "set a timer"),
              out={"ends_at": lambda r, a: _time(r)}, say="Timer set; it goes off at {ends_at}."),
            T("start_focus_session", "Start a focus session.", "duration block_notifications?",
              ("start a focus session", "begin a deep work block"), out={"ends_at": lambda r, a: _time(r)},
              say="Focus session started until {ends_at}."),
        ),
    ),
    "pets": Domain(
        ("We just adopted a puppy.", "My cat seems off today.", "I'm a new pet owner.", "I'm pet-sitting this week."),
        (
            T("find_veterinarian", "Find a veterinarian in a city.", "city species?",
              ("find a vet", "look for a veterinarian"), says={"species": ("for a {v}",)},
              out={"clinic": ("Happy Paws Clinic", "Northside Vets", "Whisker Care"), "distance_km": Span(0.3, 8, 0.1)},
              say="{clinic} is the closest vet, {distance_km} km away."),
            T("log_pet_feeding", "Log a pet's meal.", "pet_name food_grams", ("log a feeding for", "record a meal for"),
              out={"fed_today_g": Span(50, 600, 10)}, say="Logged. {pet_name} has had {fed_today_g} g today."),
            T("search_adoptable_pets", "Search pets available for adoption.", "species city",
              ("find a {m} to adopt", "look for a {m} to adopt"), says={"city": ("in {v}",)},
              out={"count": Span(2, 30)},
              say="There are {count} of them up for adoption in {city}."),
            T("book_pet_grooming", "Book a grooming appointment for a pet.", "pet_name grooming_service date",
              ("book grooming", "schedule a grooming appointment"), says={"pet_name": ("for {v}",)},
              out={"reference": REF},
              say="{pet_name} is booked for a {grooming_service} on {date}. Reference: {reference}."),
            T("recommend_pet_food", "Recommend food for a pet.", "species pet_age?",
              ("recommend pet food", "suggest food"), says={"species": ("for a {v}",)},
              out={"food": ("grain-free salmon kibble", "a senior chicken blend", "an indoor formula",
                            "timothy hay pellets")},
              say="Try {food} for your {species}."),
            T("set_pet_medication_reminder", "Set a reminder to give a pet its medication.", "pet_med pet_name time",
              "remind {me} to give", fixed=True, says={"pet_name": ("to {v}",)},
              out={"reminder_id": lambda r, a: code("RM-", 4)(r)},
              say="Reminder {reminder_id} set: {pet_med} for {pet_name} at {time}."),
        ),
    ),
    "gardening": Domain(
        ("I just started a balcony garden.", "Spring is coming.", "My plants look sad.",
         "I'm planning my vegetable beds."),
        (
            T("get_plant_care", "Get care instructions for a plant.", "plant",
              ("get care tips for", "look up how to care for"), asks="how do I take care of",
              out={"water": ("every 2 days", "twice a week", "weekly"),
                   "light": ("full sun", "bright indirect light", "partial shade")},
              say="For {plant}: water {water} and give it {light}."),
            T("get_watering_schedule", "Make a watering schedule for a plant in a city.", "plant city",
              "make a watering schedule for", out={"next_watering": lambda r, a: _date(r)},
              say="Water the {plant} next on {next_watering}."),
            T("get_frost_dates", "Get typical frost dates for a city.", "city",
              ("get the frost dates", "look up the frost dates"), asks="when is the last frost",
              out={"last_frost": lambda r, a: _date(r)},
              say="The last frost in {city} is usually around {last_frost}."),
            T("identify_plant", "Identify a plant from a photo.", "photo",
              ("identify the plant in", "figure out what plant is in"),
              out={"plant_guess": PLANTS, "confidence": Span(0.6, 0.99, 0.01)},
              say="It looks like {plant_guess} (confidence {confidence})."),
            T("find_garden_center", "Find a garden center in a city.", "city open_now?",
              ("find a garden center", "look for a plant nursery"),
              out={"name": ("Green Thumb Nursery", "Bloom & Root", "The Potting Shed"),
                   "distance_km": Span(0.5, 15, 0.1)},
              say="{name} is {distance_km} km away."),
            T("plan_garden_bed", "Plan a garden bed for plants grown together.", "plants city?",
              ("plan a garden bed", "design a garden bed"), out={"width_m": Span(1, 3, 0.5)},
              say="A bed {width_m} m wide suits {plants}."),
            T("log_harvest", "Log a harvest from the garden.", "harvest_kg plant", "log a harvest of", fixed=True,
              out={"season_total_kg": Span(1, 60, 0.5)}, say="Logged! Season total: {season_total_kg} kg."),
        ),
    ),
    "automotive": Domain(
        ("I'm on a road trip.", "My car needs attention.", "I'm thinking of selling my car.",
         "I just got an electric car."),
        (
            T("find_ev_charger", "Find EV charging stations in a city.", "city connector?",
              ("find an EV charging station", "locate a charger"), out={"stations": Span(2, 30)},
              say="There are {stations} charging stations in {city}."),
            T("get_fuel_prices", "Get average fuel prices in a city.", "city fuel?",
              ("check fuel prices", "get gas prices"), asks="how much is gas",
              out={"price_per_liter": Span(1.2, 2.3, 0.01)},
              say="Fuel in {city} averages {price_per_liter} per liter."),
            T("schedule_car_service", "Book a car service appointment.", "car_service date",
              ("schedule car service", "book a service appointment"), out={"reference": REF},
              say="Your {car_service} is booked for {date}. Reference: {reference}."),
            T("check_vehicle_recalls", "Check open recalls for a vehicle.", "vin",
              ("check recalls for VIN", "look up recalls on VIN"), out={"open_recalls": Span(0, 2)},
              say="Open recalls for VIN {vin}: {open_recalls}."),
            T("compare_car_models", "Compare the running costs of car models.", "car_models",
              ("compare {m}", "compare the running costs of {m}"),
              out={"cheapest": lambda r, a: r.choice(a["car_models"])}, say="The {cheapest} is the cheapest to run."),
            T("estimate_car_value", "Estimate a used car's value.", "car_model car_year mileage_km?",
              ("estimate the value of a", "get a trade-in value for a"), out={"value": Span(2000, 35000, 100)},
              say="A {car_year} {car_model} is worth about {value}."),
            T("find_parking", "Find parking near a place.", "near hours?", ("find parking", "find a parking spot"),
              out={"spot": ("Garage P3", "Central Lot", "Riverside Garage"), "rate_per_hour": Span(1, 6, 0.5)},
              say="{spot} has space at {rate_per_hour} per hour."),
        ),
    ),
    "bills": Domain(
        ("I'm paying my bills today.", "My utilities are confusing.", "I'm trying to cut costs at home.",
         "It's the end of the month."),
        (
            T("pay_bill", "Pay a bill to a company.", "amount biller", "pay", says={"biller": ("to {v}",)},
              out={"reference": REF}, say="Paid {amount} to {biller}. Reference: {reference}."),
            T("get_bill_due_date", "Get when the next bill from a company is due.", "biller",
              "check when the bill is due", asks="when is the bill due", says={"biller": ("for {v}", "from {v}")},
              out={"due": lambda r, a: _date(r), "amount_due": Span(20, 300, 0.01)},
              say="Your {biller} bill of {amount_due} is due {due}."),
            T("set_up_autopay", "Set up automatic payments for a biller.", "biller account",
              ("set up autopay", "turn on automatic payments"),
              says={"biller": ("for {v}",), "account": ("from account {v}",)},
              out={"status": "active", "next_payment": lambda r, a: _date(r)},
              say="Autopay for {biller} is {status}; the next payment goes out {next_payment}."),
            T("report_outage", "Report a utility outage at an address.", "utility address", "report an outage",
              out={"ticket": lambda r, a: code("OUT-", 4)(r), "eta_hours": Span(2, 12)},
              say="Outage reported ({ticket}); crews expect a fix within {eta_hours} hours."),
            T("get_energy_usage", "Get household electricity usage.", "period",
              ("show {my} energy usage", "get {my} electricity usage"), asks="how much electricity did I use",
              out={"kwh": Span(50, 900)}, say="You used {kwh} kWh this {period}."),
        ),
    ),
    "transit": Domain(
        ("I don't have a car today.", "I'm commuting across town.", "I'm visiting the city for a few days.",
         "I'm running late for work."),
        (
            T("request_ride", "Request a ride between two places.", "place_from place_to ride_type?",
              ("request a ride", "book a ride", "get {me} a ride"),
              out={"driver_eta_min": Span(2, 15), "fare": Span(6, 60, 0.5)},
              say="A driver is {driver_eta_min} minutes away; the fare is about {fare}."),
            T("estimate_taxi_fare", "Estimate a taxi fare between two places.", "place_from place_to",
              "estimate the taxi fare", asks="how much is a taxi", out={"fare": Span(6, 60, 0.5)},
              say="A taxi from {place_from} to {place_to} costs about {fare}."),
            T("get_bus_arrivals", "Get the next bus arrivals at a stop.", "stop_id",
              ("get the next bus arrivals", "check bus arrivals"), asks="when is the next bus",
              out={"next_bus_min": Span(2, 20), "route": ("12", "N4", "33", "7A")},
              say="Route {route} arrives at {stop_id} in {next_bus_min} minutes."),
            T("buy_transit_pass", "Buy a public transport pass for a city.", "pass_type city", "buy a transit pass",
              out={"reference": REF}, say="Your {pass_type} pass for {city} is ready. Reference: {reference}."),
            T("find_bike_share", "Find a bike share station near a place.", "near",
              ("find a bike share station", "find a rental bike"), out={"bikes": Span(2, 20)},
              say="The nearest station has {bikes} bikes available."),
        ),
    ),
    "accounts": Domain(
        ("I'm worried about my online security.", "I got locked out.", "I'm tightening my security."),
        (
            T("reset_password", "Send a password reset for an account.", "login",
              ("reset the password", "send a password reset"),
              out={"status": "reset link sent", "expires_in_min": Span(15, 60, 15)},
              say="A reset link was sent for {login}; it expires in {expires_in_min} minutes."),
            T("enable_two_factor", "Turn on two-factor authentication.", "twofa_method",
              ("turn on two-factor authentication", "enable 2FA"), out={"status": "enabled", "backup_codes": 10},
              say="Two-factor authentication is {status} via {twofa_method}; "
                  "{backup_codes} backup codes were created."),
            T("check_data_breach", "Check whether an email address appears in known data breaches.", "email",
              ("check whether {m} appears in a data breach", "scan for data breaches involving {m}"),
              says={"email": ("{v}",)}, out={"breaches": Span(0, 4)},
              say="Known data breaches involving {email}: {breaches}."),
        ),
    ),
}

# Held out for the `unseen` split: these whole domains, plus one tool in every other domain
# that has at least UNSEEN_MIN_DOMAIN_SIZE tools (the one whose name has the lowest crc32).
UNSEEN_DOMAINS = ("pets", "gardening", "automotive")
UNSEEN_MIN_DOMAIN_SIZE = 6

# Tools that could stand in for each other although they sit in different domains. An
# irrelevance row never offers a tool from the requested tool's domain or group.
SUBSTITUTES = (
    {"set_reminder", "set_pet_medication_reminder", "add_todo_item", "create_note"},
    {"start_timer", "set_alarm", "start_focus_session"},
    {"create_calendar_event", "schedule_interview", "book_doctor_appointment", "schedule_viewing",
     "book_pet_grooming", "schedule_car_service", "book_table"},
    {"buy_movie_tickets", "buy_event_tickets", "find_concerts"},
    {"send_email", "create_email_draft", "forward_email", "send_text_message", "schedule_text_message",
     "post_chat_message", "contact_agent", "create_social_post", "reply_to_comment"},
    {"get_directions", "estimate_travel_time", "get_distance", "request_ride", "estimate_taxi_fare"},
    {"find_nearby_places", "find_parking", "find_bike_share", "find_ev_charger", "find_pharmacy",
     "find_garden_center", "find_veterinarian", "find_restaurants", "find_sports_venue"},
    {"log_expense", "pay_bill", "transfer_money"},
    {"evaluate_expression", "calculate_tip", "calculate_loan_payment", "compute_factorial", "find_gcd", "round_number",
     "is_prime_number", "convert_units", "convert_temperature", "convert_cooking_measure", "count_days_between",
     "calculate_bmi", "calculate_take_home_pay", "convert_currency", "random_number"},
    {"search_news", "get_top_headlines", "get_trending_topics", "search_hashtag"},
    {"get_current_time", "convert_time_zone"},
)


@dataclass(frozen=True)
class Chain:
    """Two tools where a field of the first one's result is an argument of the second."""

    first: str  # tool A
    field: str  # the field of A's result that B needs
    then: str  # tool B
    param: str  # B's role key that takes the value
    what: str  # the value as a noun phrase, for thinks ("the first listing's ID")
    asks: tuple[str, ...]  # clauses asking for B: {key} for B's own values, {k} for the factor
    shared: dict[str, str] | None = None  # B key -> A key whose value B reuses
    preset: dict[str, Any] | None = None  # A values set by the pair: a literal, a tuple or a Span
    expr: str = ""  # B's argument as an expression of the value {v} and the factor {k}
    factor: Span | None = None


# Chained rows: call A, read its result, call B with a value from it. A pair serves a split
# only when both tools are asked for there (train and test: train tools; unseen: held-out ones).
# Two offered schemas must leave room for two calls and two results within MAX_ROW_PIECES, so
# pairs with long schemas (search_listings -> schedule_viewing, find_restaurants -> book_table) are left out.
CHAINS = (
    Chain("get_trending_topics", "top_topic", "search_news", "topic", "the top trending topic",
          ("find news articles about the top one", "search the news for whatever is trending most")),
    Chain("get_trending_topics", "top_topic", "create_flashcards", "topic", "the top trending topic",
          ("make flashcards on the top one", "create a flashcard deck about whatever is trending most")),
    Chain("list_events", "first_event", "cancel_event", "event_id", "the first event's ID",
          ("cancel the first one", "delete the first event from {my} calendar")),
    Chain("get_exam_schedule", "exam_date", "list_events", "date", "the exam date",
          ("show {my} calendar for that day", "list {my} events on the exam day")),
    Chain("enroll_in_course", "starts", "list_events", "date", "the start date",
          ("show {my} calendar for the day it starts", "list {my} events on its first day")),
    Chain("compare_prices", "store", "check_store_hours", "store", "the cheapest store",
          ("tell {me} the opening hours of that store", "check when the cheapest store is open")),
    Chain("compare_prices", "lowest_price", "convert_currency", "amount", "the lowest price",
          ("convert that price from {currency_from} to {currency_to}",
           "tell {me} what the best price is in {currency_to}, converting from {currency_from}")),
    Chain("search_recipes", "top_recipe", "find_wine_pairing", "dish", "the top recipe",
          ("suggest a wine to go with the top recipe", "find a wine pairing for the best match")),
    Chain("get_bill_due_date", "amount_due", "pay_bill", "amount", "the amount due",
          ("pay it in full", "pay the amount due"), shared={"biller": "biller"}),
    Chain("get_account_balance", "balance", "convert_currency", "amount", "the balance",
          ("convert it from {currency_from} to {currency_to}",
           "change that amount from {currency_from} into {currency_to}")),
    Chain("get_salary_estimate", "median", "calculate_take_home_pay", "salary", "the median salary",
          ("work out the monthly take-home pay on that salary", "estimate the net pay for that amount")),
    Chain("check_grammar", "corrected", "post_chat_message", "message", "the corrected sentence",
          ("post the corrected version in {channel}", "send the fixed sentence to {channel}")),
    Chain("compress_folder", "archive", "move_file", "path", "the archive's name",
          ("move the archive to {folder}", "put the zip file into {folder}")),
    Chain("find_pharmacy", "name", "find_bike_share", "near", "the pharmacy's name",
          ("find a bike share station near it", "find a rental bike close to it")),
    Chain("search_hotels", "top_pick", "find_bike_share", "near", "the top hotel",
          ("find a bike share station near the top pick", "find a rental bike close to the best one")),
    # held-out tools (the unseen split)
    Chain("get_stock_price", "price", "evaluate_expression", "expression", "the share price",
          ("work out what {k} shares would cost", "calculate the price of {k} shares"),
          expr="{v} * {k}", factor=Span(2, 50)),
    Chain("get_nutrition_info", "calories", "evaluate_expression", "expression", "the calorie count",
          ("work out the calories in {k} servings", "multiply the calories by {k}"),
          expr="{v} * {k}", factor=Span(2, 5)),
    Chain("get_distance", "km", "evaluate_expression", "expression", "the distance",
          ("work out how far {k} trips of that length add up to", "multiply that distance by {k}"),
          expr="{v} * {k}", factor=Span(2, 8)),
    Chain("get_fuel_prices", "price_per_liter", "evaluate_expression", "expression", "the price per liter",
          ("calculate what {k} liters would cost", "work out the cost of {k} liters"),
          expr="{v} * {k}", factor=Span(20, 60, 5)),
    Chain("identify_plant", "plant_guess", "get_plant_care", "plant", "the plant's name",
          ("tell {me} how to care for it", "get care tips for whatever it is")),
    Chain("identify_plant", "plant_guess", "get_watering_schedule", "plant", "the plant's name",
          ("make a watering schedule for it in {city}", "plan its watering in {city}")),
    Chain("find_veterinarian", "clinic", "find_parking", "near", "the closest clinic",
          ("find parking near it", "find a parking spot close to the closest one")),
    Chain("find_garden_center", "name", "find_parking", "near", "the garden center's name",
          ("find parking near it", "look for a parking spot next to it")),
)


@dataclass(frozen=True)
class Param:
    key: str  # role key
    name: str  # name in the schema
    required: bool
    role: Role
    says: tuple[str, ...]


@dataclass(frozen=True)
class Tool:
    domain: str
    spec: ToolSpec
    params: tuple[Param, ...]
    schema: dict

    @property
    def name(self) -> str:
        return self.spec.name


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _build_tool(domain: str, spec: ToolSpec) -> Tool:
    """Resolve a spec: pick each parameter's name (stable per tool) and build the JSON schema."""
    params, taken = [], set()
    for token in spec.params.split():
        key, required = token.rstrip("?"), not token.endswith("?")
        role = ROLES[key]
        start = _crc(f"{spec.name}:{role.group or key}") % len(role.names)
        name = next(n for n in role.names[start:] + role.names[:start] if n not in taken)
        taken.add(name)
        says = (spec.says or {}).get(key, role.says)
        params.append(Param(key, name, required, role, says))
    # A sixth of the tools describe every parameter; the rest only those whose description
    # carries a format or range after a comma ("Date, YYYY-MM-DD", "Volume, 0-100"). Real APIs
    # are often that terse, rows stay short, and unit-bearing names (weight_kg) carry the unit.
    describe_all = _crc(spec.name) % 6 == 0
    properties = {}
    for p in params:
        prop: dict[str, Any] = {"type": p.role.type}
        if p.role.item:
            prop["items"] = {"type": p.role.item}
        if describe_all or "," in p.role.desc:
            prop["description"] = p.role.desc
        if p.role.enum:
            prop["enum"] = list(p.role.pool)
        properties[p.name] = prop
    schema = {
        "name": spec.name,
        "description": spec.description,
        "parameters": {"type": "object", "properties": properties,
                       "required": [p.name for p in params if p.required]},
    }
    return Tool(domain, spec, tuple(params), schema)


TOOLS: tuple[Tool, ...] = tuple(_build_tool(d, spec) for d, dom in DOMAINS.items() for spec in dom.tools)
TOOLS_BY_NAME = {t.name: t for t in TOOLS}


def _unseen_names() -> frozenset[str]:
    held = {t.name for t in TOOLS if t.domain in UNSEEN_DOMAINS}
    for domain, dom in DOMAINS.items():
        if domain not in UNSEEN_DOMAINS and len(dom.tools) >= UNSEEN_MIN_DOMAIN_SIZE:
            held.add(min((s.name for s in dom.tools), key=_crc))
    return frozenset(held)


UNSEEN_TOOLS = _unseen_names()
TRAIN_TOOLS = tuple(t for t in TOOLS if t.name not in UNSEEN_TOOLS)
HELD_OUT_TOOLS = tuple(t for t in TOOLS if t.name in UNSEEN_TOOLS)


def _substitutes(name: str) -> set[str]:
    return set().union(*[group for group in SUBSTITUTES if name in group])


def tool_catalog() -> dict[str, list[dict]]:
    """JSON schemas of the tools, by the split that asks for them: {"train": [...], "unseen": [...]}."""
    return {"train": [copy.deepcopy(t.schema) for t in TRAIN_TOOLS],
            "unseen": [copy.deepcopy(t.schema) for t in HELD_OUT_TOOLS]}


# ---------------------------------------------------------------------------------------------
# Phrasing tables
# ---------------------------------------------------------------------------------------------
# {a}/{A}: the action clause (lower/capitalized), {q}/{Q}: a question, {ctx}: a context
# sentence, {Lead}: a value mention moved to the front. Every 5th frame (index % 5 == 4) is
# held out for the test and unseen splits.

IMPERATIVE_FRAMES = (
    "{A}.", "Please {a}.", "Can you {a}?", "Could you {a}, please?", "{A}, please.",
    "Would you {a}?", "I'd like you to {a}.", "I need you to {a}.", "Hey, {a}.", "Hi! Could you {a}?",
    "Can you please {a}?", "Quick one: {a}.", "Is it possible to {a}?", "Go ahead and {a}.", "{a}",
    "Any chance you could {a}?", "{A} - thanks!", "I'd appreciate it if you could {a}.", "Could you quickly {a}?",
    "When you get a chance, {a}.",
    "Okay, {a}.", "I was hoping you could {a}.", "Do me a favor and {a}.", "Please {a} for me.",
    "{A}. Thanks in advance!",
    "Need you to {a}.", "Hello, please {a}.", "{A} for me.", "Can you {a} now?", "Right, {a}.",
)
SELF_FRAMES = (  # the user is the subject: only for acts without {me}
    "I want to {a}.", "Help me {a}.", "Let's {a}.", "I need to {a}.", "Can you help me {a}?",
    "I'd like to {a}.", "Time to {a}.", "I'm trying to {a}.", "Could you help me {a}?", "We need to {a}.",
)
CONTEXT_FRAMES = (
    "{ctx} Can you {a}?", "{ctx} Please {a}.", "{ctx} Could you {a}?", "{ctx} I need you to {a}.", "{ctx} {A}.",
    "{ctx} So, {a}.", "{ctx} First, {a}.", "{ctx} Would you {a}?", "{ctx} {A}, please.", "{ctx} Go ahead and {a}.",
)
FRONT_FRAMES = (
    "{Lead}, can you {a}?", "{Lead}, please {a}.", "{Lead}: {a}.", "{Lead}, I need you to {a}.",
    "{Lead}, could you {a}?",
    "{Lead}, {a}.", "{Lead}, would you {a}?", "{Lead}, go ahead and {a}.", "{Lead}, I'd like you to {a}.",
    "{Lead} - {a}, please.",
)
QUESTION_FRAMES = (
    "{Q}?", "Quick question: {q}?", "Hey, {q}?", "{Q}? Thanks.", "I'm curious, {q}?",
    "So, {q}?", "Hi, {q}?", "{Q}? Just wondering.", "Hello! {Q}?", "Tell me, {q}?",
)
CONTEXT_QUESTION_FRAMES = (
    "{ctx} {Q}?", "{ctx} Quick question: {q}?", "{ctx} So, {q}?", "{ctx} {Q}? Thanks.", "{ctx} Tell me, {q}?",
)
FRONT_QUESTION_FRAMES = (
    "{Lead}, {q}?", "{Lead}: {q}?", "{Lead} - {q}?", "{Lead}, quick question: {q}?", "{Lead}, tell me, {q}?",
)
PAIR_FRAMES = (  # two different requests in one message
    "{A1}, and {a2}.", "{A1}. Also, {a2}.", "Can you {a1} and {a2}?", "Please {a1}, then {a2}.",
    "Two things: {a1}, and {a2}.",
    "First {a1}, then {a2}.", "{A1} and also {a2}, please.", "Could you {a1}? And {a2}.",
    "I need you to {a1} and to {a2}.",
    "{A1}; after that, {a2}.",
)
CHAIN_FRAMES = (  # one request whose second step needs the first step's result
    "{A1} and {a2}.", "{A1}, then {a2}.", "Can you {a1} and then {a2}?", "Please {a1}, then {a2}.",
    "{A1}; once you have that, {a2}.",
    "First {a1}, then {a2}.", "Could you {a1} and {a2}?", "I need you to {a1} and then {a2}.",
    "{A1}. After that, {a2}.", "{A1}, and when that's done, {a2}.",
    "Hi! {A1} and {a2}, please.", "{A1}, then {a2}. Thanks!", "Would you {a1}, then {a2}?",
    "I'd like you to {a1} and then {a2}.", "Step by step: {a1}, then {a2}.",
)

# The first think restates the request, then states the decision in the same words every time:
# "One call: X.", "Two calls: X and Y." (or "X twice."), "No offered tool can do that." How many
# calls to make is then decided right after the request has been restated (README, "The data").
ONE_CALL, TWO_CALLS, TWICE = "One call: {n1}.", "Two calls: {n1} and {n2}.", "Two calls: {n1} twice."
NO_TOOL = "No offered tool can do that."
# Where a think states that decision: its first word ("One", "Two", "No"), after the restated request.
STATED_DECISION = re.compile(r"(?<=\. )(One|Two|No)(?= calls?:| offered tool)")
CHAT_THINK = "The user is chatting, not asking for a tool. No offered tool is needed."
CHAIN_THINKS = (  # before the first call of a chained row
    "First I need {what} from {n1}, then I can call {n2}.",
    "{n2} needs {what}, so I'll call {n1} first.",
    "I'll get {what} from {n1}, then call {n2}.",
)
CHAIN_NEXT_THINKS = (  # after the first result: cite the value, call the second tool with it
    "{What} is {v}, so now I can call {n2}.",
    "Got {what}: {v}; next is {n2}.",
    "{What} is {v}; I'll pass it to {n2}.",
)
CHAIN_EXPR_THINKS = (  # the second tool takes an expression built from the value
    "{What} is {v}, so {n2} computes {arg}.",
    "Got {what}: {v}; next is {n2} with {arg}.",
)
GAP_REPLIES = (
    "Sorry, I can't {a} with the tools I have here.",
    "I don't have a tool that can {a}, so I can't help with that right now.",
    "None of the available tools can {a}. You may need a dedicated app for that.",
    "Unfortunately, I can't {a}: no available function supports it.",
    "That's outside what my current tools can do, so I can't {a}.",
    "Sorry, none of the tools I have can handle that request.",
)
FINAL_FRAMES = ("{s}", "Here you go: {s}", "{s} Anything else?", "{s} Let me know if you need anything else.",
                "Okay! {s}", "Got it. {s}", "Sure thing. {s}")
CHAT_PREFIXES = ("", "", "Hey, ", "Quick question: ", "Hi! ", "Random question, ", "Hello. ")

# Small talk and general questions no tool covers; each belongs to one split (_chitchat_split).
CHITCHAT = (
    ("Hi there!", "Hello! How can I help you today?"),
    ("Thanks, that's all for now.", "You're welcome! Have a great day."),
    ("Good morning!", "Good morning! What can I do for you?"),
    ("How are you doing?", "I'm doing well, thanks for asking. How can I help?"),
    ("What's your name?", "I'm an AI assistant that can call tools to help you."),
    ("Can you tell me a joke?", "Why did the scarecrow get promoted? He was outstanding in his field."),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("How many continents are there?", "There are seven continents."),
    ("What's the largest planet in our solar system?", "Jupiter is the largest planet in our solar system."),
    ("Give me a tip for staying focused while studying.",
     "Work in short blocks with breaks, and keep your phone in another room."),
    ("Write a haiku about autumn.",
     "Crisp leaves drift and fall / golden light on quiet paths / the year exhales slow"),
    ("How many legs does a spider have?", "Spiders have eight legs."),
    ("Any advice for sleeping better?", "Keep a regular bedtime and skip screens for the last hour before sleep."),
    ("What color do you get by mixing blue and yellow?", "Mixing blue and yellow gives green."),
    ("Is a tomato a fruit or a vegetable?", "Botanically a tomato is a fruit, though it's cooked like a vegetable."),
    ("What's the chemical symbol for gold?", "The chemical symbol for gold is Au."),
    ("How many sides does a hexagon have?", "A hexagon has six sides."),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci painted the Mona Lisa."),
    ("What's a good name for a goldfish?", "How about Bubbles, Finn or Goldie?"),
    ("Help me come up with a birthday message for a coworker.",
     "Sure: Happy birthday! Wishing you a great year ahead, on and off the clock."),
    ("Which ocean is the largest?", "The Pacific Ocean is the largest."),
    ("What is photosynthesis, in one sentence?",
     "Photosynthesis is how plants turn sunlight, water and carbon dioxide into sugar and oxygen."),
    ("I'm bored. Any ideas?", "You could take a short walk, start a new book or try a simple recipe."),
    ("What's the capital of Canada?", "The capital of Canada is Ottawa."),
    ("Say something encouraging.", "You've got this. Small steps still move you forward."),
    ("What's the difference between weather and climate?",
     "Weather is the short-term state of the atmosphere; climate is its long-term pattern."),
    ("Who was the first person to walk on the Moon?", "Neil Armstrong, in 1969."),
    ("What's the tallest mountain on Earth?", "Mount Everest, at about 8,849 meters."),
    ("What is a leap second?", "An extra second sometimes added to clocks to keep them in step with Earth's rotation."),
    ("Roughly how fast is light?", "About 300,000 kilometers per second."),
    ("Name three primary colors.", "Red, yellow and blue are the traditional primary colors."),
    ("Goodnight!", "Goodnight! Sleep well."),
    ("You're really helpful.", "Thank you, happy to help!"),
    ("What's the plural of mouse?", "The plural of mouse is mice."),
    ("How many players does a soccer team have on the field?", "Each team has eleven players on the field."),
    ("Which planet is known as the Red Planet?", "Mars is known as the Red Planet."),
    ("What's the main ingredient in guacamole?", "Avocado is the main ingredient in guacamole."),
    ("Tell me a fun fact.", "Octopuses have three hearts."),
    ("How long does sunlight take to reach Earth?", "About 8 minutes and 20 seconds."),
    ("What's the largest desert in the world?", "Antarctica; the Sahara is the largest hot desert."),
    ("How many strings does a standard guitar have?", "A standard guitar has six strings."),
    ("How can I remember names better?", "Repeat the name when you're introduced and link it to something memorable."),
    ("Which animal is the fastest on land?", "The cheetah, which can briefly reach about 110 km/h."),
    ("Hello, what can you do?", "I can answer questions and call the tools I'm given. What do you need?"),
    ("What's the boiling point of water at sea level?", "Water boils at 100 degrees Celsius at sea level."),
    ("Who invented the telephone?", "Alexander Graham Bell is credited with inventing the telephone."),
)


def _chitchat_split(index: int) -> str:
    """CHITCHAT[index] goes to test when index % 8 == 0, to unseen when it is 1, else to train."""
    return {0: "test", 1: "unseen"}.get(index % 8, "train")


# ---------------------------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------------------------


def _voice(text: str, who: str) -> str:
    """Fill {my}/{me}: the user speaks ("my"), the think reports ("their"), replies address ("your")."""
    my, me = {"user": ("my", "me"), "think": ("their", "them"), "reply": ("your", "you")}[who]
    return text.replace("{my}", my).replace("{me}", me)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace(" ,", ",").strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _put(template: str, slot: str, text: str) -> str:
    """`text` in place of `slot`; an "a" before the slot becomes "an" before a vowel ("an ATM"), not
    before "u" ("a used car", "a utility bill")."""
    if re.match(r"[aeioAEIO]", text):
        template = re.sub(r"\b([Aa]) " + re.escape(slot), lambda m: f"{m.group(1)}n {slot}", template)
    return template.replace(slot, text)


def _fill(act: str, body: str) -> str:
    """Put the value mentions where the act says ({m}) or after it."""
    return _tidy(_put(act, "{m}", body) if "{m}" in act else f"{act} {body}")


def _is_core(template: str) -> bool:
    """A core mention is the verb's object ("{v}", '"{v}"', "the {v}", "{v} kg of"); it keeps its place."""
    return template.split("{v}")[0] in ("", '"', "the ")


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _text(value: Any) -> str:
    """A value as a request or answer writes it; a list as "a, b and c"."""
    return _join_names([str(v) for v in value]) if isinstance(value, list) else str(value)


def _draw(role: Role, rng: random.Random, held_out: bool) -> Any:
    if role.type == "array":
        values: list = []
        for _ in range(50):
            value = _draw_one(role, rng, held_out)
            if value not in values:
                values.append(value)
            if len(values) == 3 or (len(values) == 2 and rng.random() < 0.6):
                break
        return values
    return _draw_one(role, rng, held_out)


def _draw_one(role: Role, rng: random.Random, held_out: bool) -> Any:
    pool = role.pool
    if role.type == "boolean":
        return rng.random() < 0.6
    if isinstance(pool, Span):
        return pool.draw(rng)
    if callable(pool):
        return pool(rng)
    if len(pool) >= 8 and not role.enum:  # open pool: every 4th value is held out
        pool = pool[3::4] if held_out else tuple(v for i, v in enumerate(pool) if i % 4 != 3)
    return rng.choice(pool)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _sample_args(tool: Tool, rng: random.Random, held_out: bool) -> dict[str, Any]:
    """Values by role key: all required parameters, each optional one with OPTIONAL_ARG_P."""
    args: dict[str, Any] = {}
    for p in tool.params:
        if not p.required and rng.random() >= OPTIONAL_ARG_P:
            continue
        for _ in range(20):  # two parameters of one tool never share a value
            value = _draw(p.role, rng, held_out)
            if p.role.type == "boolean" or not any(_same(value, v) for v in args.values()):
                break
        args[p.key] = value
    if tool.spec.joint:
        keys, sampler = tool.spec.joint
        if all(k in args for k in keys):
            args.update(zip(keys, sampler(rng)))
    return args


@dataclass
class Mention:
    text: str
    core: bool
    front: bool


def _mention(p: Param, value: Any, rng: random.Random) -> Mention:
    if p.role.type == "boolean":
        return Mention(rng.choice(p.role.yes if value else p.role.no), False, False)
    template = rng.choice(p.says)
    return Mention(_put(template, "{v}", _text(value)), _is_core(template), p.role.front and not _is_core(template))


def _mentions(tool: Tool, args: dict, rng: random.Random, merged: dict | None = None) -> list[Mention]:
    """Mentions in sentence order: core ones in parameter order, then the others shuffled."""
    out = []
    for p in tool.params:
        if p.key not in args:
            continue
        if merged and p.key in merged:  # parallel call: "in Lyon and Paris" / '"a" and "b"'
            template = rng.choice(p.says)
            v1, v2 = (str(v) for v in merged[p.key])
            pre, _, post = template.partition("{v}")
            if post or pre.endswith('"') or rng.random() < 0.5:
                text = f"{template.replace('{v}', v1)} and {template.replace('{v}', v2)}"
            else:
                text = f"{pre}{v1} and {v2}"
            out.append(Mention(text, _is_core(template), False))
        else:
            out.append(_mention(p, args[p.key], rng))
    if tool.spec.fixed:
        return out
    core, rest = [m for m in out if m.core], [m for m in out if not m.core]
    rng.shuffle(rest)
    return core + rest


def _body(mentions: list[Mention]) -> str:
    return " ".join(m.text for m in mentions)


DANGLING = {"a", "an", "the", "of", "for", "to", "in", "on", "at", "with", "by", "from", "into", "about"}


def _summary(tool: Tool, mentions: list[Mention], rng: random.Random, max_words: int,
             whole: bool = False) -> str | None:
    """What the user asked for as a short clause ("check the forecast in Lyon"), or None.

    Tries the act with its first value or bare (random order), after the whole request when
    `whole`; skips clauses that cannot stand alone ("dim", "order 2 portions of", "add to ...").
    """
    act = rng.choice(tool.spec.acts)
    first = mentions[0].text if mentions and not tool.spec.fixed else ""
    options = [(act, ""), (act, first)] if rng.random() < 0.6 else [(act, first), (act, "")]
    if whole:
        options.insert(0, (act, _body(mentions)))
    for act_, value in options:
        clause = _fill(act_, value)
        words = clause.split()
        if ("{m}" in act_ and not value) or len(words) < 2 or words[-1] in DANGLING or len(words) > max_words:
            continue
        return clause
    return None


class Frames:
    """Request frames of one side (train or held-out), chosen by index % 5."""

    def __init__(self, held_out: bool):
        def part(frames: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(f for i, f in enumerate(frames) if (i % 5 == 4) == held_out)

        self.imperative, self.user_subject = part(IMPERATIVE_FRAMES), part(SELF_FRAMES)
        self.context, self.front = part(CONTEXT_FRAMES), part(FRONT_FRAMES)
        self.question, self.context_question = part(QUESTION_FRAMES), part(CONTEXT_QUESTION_FRAMES)
        self.front_question, self.pair = part(FRONT_QUESTION_FRAMES), part(PAIR_FRAMES)
        self.chain = part(CHAIN_FRAMES)


def _render(frame: str, **slots: str) -> str:
    for key, value in slots.items():
        frame = frame.replace("{" + key + "}", value)
    return frame


def _request(tool: Tool, mentions: list[Mention], rng: random.Random, frames: Frames) -> str:
    """One natural request: an act or a question around the mentions, in a random frame."""
    mentions = list(mentions)
    lead = ""
    frontable = [m for m in mentions if m.front]
    if frontable and not tool.spec.fixed and rng.random() < 0.3:
        chosen = rng.choice(frontable)
        mentions.remove(chosen)
        lead = _cap(chosen.text)
    contexts = DOMAINS[tool.domain].contexts
    use_ctx = not lead and rng.random() < 0.2
    ctx = rng.choice(contexts)
    if tool.spec.asks and rng.random() < 0.35:
        q = _fill(rng.choice(tool.spec.asks), _body(mentions))
        pool = frames.front_question if lead else frames.context_question if use_ctx else frames.question
        text = _render(rng.choice(pool), q=q, Q=_cap(q), Lead=lead, ctx=ctx)
    else:
        act = rng.choice(tool.spec.acts)
        a = _fill(act, _body(mentions))
        if lead:
            pool = frames.front
        elif use_ctx:
            pool = frames.context
        else:
            pool = frames.imperative + (frames.user_subject if "{me}" not in act else ())
        text = _render(rng.choice(pool), a=a, A=_cap(a), Lead=lead, ctx=ctx)
    return _voice(text, "user")


def _clause(tool: Tool, mentions: list[Mention], rng: random.Random) -> str:
    return _fill(rng.choice(tool.spec.acts), _body(mentions))


def _pick(templates: tuple[str, ...], rng: random.Random, a: str | None) -> str:
    """A template; one that needs the clause {a} only when there is one."""
    return rng.choice([t for t in templates if a is not None or "{a}" not in t])


def stated_decision(answer: str) -> re.Match | None:
    """Where the think of a model turn states its decision (`STATED_DECISION`), or None."""
    return STATED_DECISION.search(answer, 0, max(answer.find("</think>"), 0))


def _decided(clause: str | None, decision: str) -> str:
    """A first think: the request restated (when there is a clause for it), then the decision."""
    return (f"The user wants to {_voice(clause, 'think')}. " if clause else "") + decision


def _think_single(tool: Tool, mentions: list[Mention], rng: random.Random) -> str:
    return _decided(_summary(tool, mentions, rng, max_words=14, whole=True), _render(ONE_CALL, n1=tool.name))


def _result(tool: Tool, args: dict, rng: random.Random) -> dict:
    result = {}
    for key, spec in tool.spec.out.items():
        if callable(spec):
            result[key] = spec(rng, args)
        elif isinstance(spec, Span):
            result[key] = spec.draw(rng)
        elif isinstance(spec, tuple):
            result[key] = rng.choice(spec)
        else:
            result[key] = spec
    return result


def _say(tool: Tool, args: dict, result: dict) -> str:
    return tool.spec.say.format(**{k: _text(v) if isinstance(v, list) else v for k, v in args.items()}, **result)


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


@dataclass
class Call:
    tool: Tool
    args: dict  # by role key

    @property
    def arguments(self) -> dict:
        """Arguments by schema name, in parameter order."""
        return {p.name: self.args[p.key] for p in self.tool.params if p.key in self.args}


class _SplitContext:
    """What one split draws from: tools to ask for, distractors, frames, small talk."""

    def __init__(self, split: str, rng: random.Random):
        self.split, self.rng = split, rng
        self.held_out = split != "train"
        self.frames = Frames(self.held_out)
        self.targets = list(HELD_OUT_TOOLS if split == "unseen" else TRAIN_TOOLS)
        self.distractors = list(TOOLS if split == "unseen" else TRAIN_TOOLS)
        self.chitchat = [qa for i, qa in enumerate(CHITCHAT) if _chitchat_split(i) == split]
        names = {t.name for t in self.targets}
        self.chains = [c for c in CHAINS if c.first in names and c.then in names]
        self._queue: list[Tool] = []
        self._chain_queue: list[Chain] = []

    def next_target(self, need_out: bool = False, allow_fixed: bool = True) -> Tool:
        """Cycle through the split's tools in shuffled rounds so every tool gets used evenly; a tool
        that does not suit this row stays first in line for the next one."""
        skipped = []
        for _ in range(len(self.targets) * 3):
            if not self._queue:
                self._queue = list(self.targets)
                self.rng.shuffle(self._queue)
            tool = self._queue.pop()
            if (tool.spec.out or not need_out) and (allow_fixed or not tool.spec.fixed):
                self._queue.extend(reversed(skipped))
                return tool
            skipped.append(tool)
        raise RuntimeError("no suitable tool")

    def next_chain(self) -> Chain:
        """Cycle through the split's chained pairs in shuffled rounds, like next_target."""
        if not self._chain_queue:
            self._chain_queue = list(self.chains)
            self.rng.shuffle(self._chain_queue)
        return self._chain_queue.pop()

    def offer(self, chosen: list[Tool], k: int, avoid_domains: set[str] = frozenset(),
              avoid: set[str] = frozenset()) -> list[Tool]:
        """The chosen tools plus distractors up to k: sometimes a same-domain near miss, else other domains."""
        rng, offered = self.rng, list(chosen)
        names = {t.name for t in offered} | set(avoid)
        domains = {t.domain for t in offered}
        if len(offered) < k and not avoid_domains and rng.random() < 0.4:
            near = [t for t in self.distractors if t.domain in domains and t.name not in names]
            if near:
                offered.append(rng.choice(near))
        others = [t for t in self.distractors
                  if t.domain not in domains | set(avoid_domains) and t.name not in names]
        while len(offered) < k:
            pick = rng.choice(others)
            others = [t for t in others if t.domain != pick.domain]
            offered.append(pick)
        rng.shuffle(offered)
        return offered


@dataclass(frozen=True)
class RowPlan:
    kind: str  # single | same (one tool twice) | pair (two tools) | chain (A, then B on its result) | irrelevant
    multi_turn: bool  # add tool responses and a final answer
    offered: int  # tools in the system prompt


def _quota(weights: dict[Any, float], n: int, rng: random.Random) -> list[Any]:
    """n values in the given proportions exactly (largest remainders), shuffled."""
    counts = {v: int(n * w) for v, w in weights.items()}
    by_remainder = sorted(weights, key=lambda v: n * weights[v] - counts[v], reverse=True)
    for v in by_remainder[: n - sum(counts.values())]:
        counts[v] += 1
    values = [v for v, c in counts.items() for _ in range(c)]
    rng.shuffle(values)
    return values


def _row_plan(n: int, rng: random.Random) -> list[RowPlan]:
    """Exact quotas of row kinds, multi-turn rows and offered-tool counts for n rows."""
    kinds = _quota({"irrelevant": IRRELEVANT_SHARE, "same": PARALLEL_SHARE / 2, "pair": PARALLEL_SHARE / 2,
                    "chain": CHAIN_SHARE, "single": 1 - IRRELEVANT_SHARE - PARALLEL_SHARE - CHAIN_SHARE}, n, rng)
    eligible = [i for i, k in enumerate(kinds) if k in ("single", "same")]
    multi = set(rng.sample(eligible, min(round(n * MULTI_TURN_SHARE), len(eligible))))
    groups = [k + ("+multi" if i in multi else "") for i, k in enumerate(kinds)]
    offered = {g: iter(_quota(OFFERED[g], groups.count(g), rng)) for g in OFFERED}
    return [RowPlan(k, i in multi, next(offered[g])) for i, (k, g) in enumerate(zip(kinds, groups))]


def _conversation(offered: list[Tool], human: str, model: str) -> list[dict]:
    return [
        {"role": "system", "content": system_prompt([t.schema for t in offered])},
        {"role": "human", "content": human},
        {"role": "model", "content": model},
    ]


def _calls_turn(think: str, calls: list[Call]) -> str:
    return format_think(think) + "\n".join(format_tool_call(c.tool.name, c.arguments) for c in calls)


def _single_row(ctx: _SplitContext, plan: RowPlan) -> tuple[list[dict], list[Call]]:
    rng = ctx.rng
    tool = ctx.next_target(need_out=plan.multi_turn)
    args = _sample_args(tool, rng, ctx.held_out)
    mentions = _mentions(tool, args, rng)
    human = _request(tool, mentions, rng, ctx.frames)
    call = Call(tool, args)
    offered = ctx.offer([tool], plan.offered)
    return _conversation(offered, human, _calls_turn(_think_single(tool, mentions, rng), [call])), [call]


def _same_tool_row(ctx: _SplitContext, plan: RowPlan) -> tuple[list[dict], list[Call]]:
    """One tool called twice; one required value differs ("in Lyon and Paris")."""
    rng = ctx.rng
    for _ in range(50):
        tool = ctx.next_target(need_out=plan.multi_turn, allow_fixed=False)
        args = _sample_args(tool, rng, ctx.held_out)
        joint = tool.spec.joint[0] if tool.spec.joint else ()
        varying = [p for p in tool.params if p.required and p.role.type not in ("boolean", "array") and p.key not in joint
                   and len(str(args[p.key]).split()) <= 4]
        if varying:
            break
    else:
        raise RuntimeError("no tool for a parallel call")
    p = rng.choice(varying)
    second = dict(args)
    for _ in range(50):
        second[p.key] = _draw(p.role, rng, ctx.held_out)
        if not any(_same(second[p.key], v) for v in args.values()):
            break
    mentions = _mentions(tool, args, rng, merged={p.key: (args[p.key], second[p.key])})
    human = _request(tool, mentions, rng, ctx.frames)
    calls = [Call(tool, args), Call(tool, second)]
    think = _decided(_summary(tool, mentions, rng, max_words=16, whole=True), _render(TWICE, n1=tool.name))
    offered = ctx.offer([tool], plan.offered)
    return _conversation(offered, human, _calls_turn(think, calls)), calls


def _pair_row(ctx: _SplitContext, plan: RowPlan) -> tuple[list[dict], list[Call]]:
    """Two different tools from different domains, one request each, in one message."""
    rng = ctx.rng
    first = ctx.next_target(need_out=plan.multi_turn)
    for _ in range(100):
        second = ctx.next_target(need_out=plan.multi_turn)
        if second.domain != first.domain and second.name not in _substitutes(first.name):
            break
    calls = [Call(t, _sample_args(t, rng, ctx.held_out)) for t in (first, second)]
    clauses = [_clause(c.tool, _mentions(c.tool, c.args, rng), rng) for c in calls]
    human = _voice(_render(rng.choice(ctx.frames.pair), a1=clauses[0], A1=_cap(clauses[0]), a2=clauses[1]), "user")
    think = _decided(f"{clauses[0]}, and to {clauses[1]}", _render(TWO_CALLS, n1=first.name, n2=second.name))
    offered = ctx.offer([first, second], plan.offered)
    return _conversation(offered, human, _calls_turn(think, calls)), calls


def _irrelevant_row(ctx: _SplitContext, plan: RowPlan) -> list[dict]:
    """No offered tool fits: either small talk, or a request for a tool that is not offered."""
    rng = ctx.rng
    if rng.random() < 0.4:
        question, answer = rng.choice(ctx.chitchat)
        greeting = question.split()[0].strip(",!.") in ("Hi", "Hello", "Hey", "Good")
        prefix = rng.choice(CHAT_PREFIXES) if question.endswith("?") and not greeting else ""
        keep_case = not prefix.endswith((", ", ": ")) or re.match(r"I\b", question)
        human = prefix + (question if keep_case else question[0].lower() + question[1:])
        return _conversation(ctx.offer([], plan.offered), human, format_think(CHAT_THINK) + answer)
    tool = ctx.next_target()
    args = _sample_args(tool, rng, ctx.held_out)
    mentions = _mentions(tool, args, rng)
    human = _request(tool, mentions, rng, ctx.frames)
    gap = _summary(tool, mentions, rng, max_words=12, whole=True)
    think = _decided(gap, NO_TOOL)
    reply = _render(_pick(GAP_REPLIES, rng, gap), a=_voice(gap or "", "reply"))
    offered = ctx.offer([], plan.offered, avoid_domains={tool.domain}, avoid={tool.name} | _substitutes(tool.name))
    return _conversation(offered, human, format_think(think) + reply)


def _add_results(conv: list[dict], calls: list[Call], rng: random.Random) -> None:
    """Multi-turn: one tool response per call, then a final answer built from the results."""
    says = []
    for c in calls:
        result = _result(c.tool, c.args, rng)
        conv.append({"role": "tool", "content": format_tool_response(c.tool.name, result)})
        says.append(_say(c.tool, c.args, result))
    conv.append({"role": "model", "content": _render(rng.choice(FINAL_FRAMES), s=" ".join(says))})


def _preset_value(spec: Any, rng: random.Random) -> Any:
    """A value a chained pair fixes: drawn from a Span or a tuple, else the literal itself."""
    if isinstance(spec, Span):
        return spec.draw(rng)
    if isinstance(spec, tuple):
        return rng.choice(spec)
    return spec


def _slots(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template))


def _chain_first_args(chain: Chain, tool: Tool, rng: random.Random, held_out: bool) -> dict:
    """A's values: sampled, less the optional ones that B's clause states, plus the pair's presets."""
    stated = set().union(*map(_slots, chain.asks))
    optional = {p.key for p in tool.params if not p.required}
    args = {k: v for k, v in _sample_args(tool, rng, held_out).items() if not (k in stated and k in optional)}
    args.update({k: _preset_value(spec, rng) for k, spec in (chain.preset or {}).items()})
    return args


def _chain_then_args(chain: Chain, tool: Tool, first_args: dict, value: Any,
                     rng: random.Random, held_out: bool) -> tuple[dict, dict[str, str]]:
    """B's values (its own required ones, those shared with A, the chained one) and its clause's slots."""
    required = {p.key for p in tool.params if p.required}
    own = {k: v for k, v in _sample_args(tool, rng, held_out).items() if k in required}
    slots = {k: str(v) for k, v in own.items()}
    chained = value
    if chain.expr:
        factor = chain.factor.draw(rng)
        slots["k"] = str(factor)
        chained = chain.expr.format(v=value, k=factor)
    shared = {k: first_args[a] for k, a in (chain.shared or {}).items()}
    return {**own, **shared, chain.param: chained}, slots


def _chain_request(chain: Chain, first: Tool, first_args: dict, slots: dict[str, str],
                   rng: random.Random, frames: Frames) -> str:
    """One message asking for the end goal: A's clause with its values, then B's clause."""
    a1 = _clause(first, _mentions(first, first_args, rng), rng)
    a2 = _render(rng.choice(chain.asks), **slots)
    return _voice(_render(rng.choice(frames.chain), a1=a1, A1=_cap(a1), a2=a2), "user")


def _chain_is_clean(chain: Chain, human: str, value: Any, first_args: dict, then_args: dict) -> bool:
    """The chained value is not in the request, and B's own values repeat none of A's."""
    own = [v for k, v in then_args.items()
           if k != chain.param and k not in (chain.shared or {}) and not isinstance(v, bool)]
    return str(value) not in human and not any(_same(v, w) for v in own for w in first_args.values())


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) and " " in value else str(value)


def _chain_think(chain: Chain, rng: random.Random) -> str:
    return _render(rng.choice(CHAIN_THINKS), n1=chain.first, n2=chain.then, what=chain.what)


def _chain_next_think(chain: Chain, value: Any, argument: Any, rng: random.Random) -> str:
    """The think before B's call: it cites the value read from A's result."""
    templates = CHAIN_EXPR_THINKS if chain.expr else CHAIN_NEXT_THINKS
    return _render(rng.choice(templates), n2=chain.then, What=_cap(chain.what), what=chain.what, v=_quoted(value),
                   arg=str(argument))


def _chain_row(ctx: _SplitContext, plan: RowPlan) -> list[dict]:
    """Call A, read its result, call B with a value taken from it, then answer from B's result."""
    rng = ctx.rng
    if not ctx.chains:  # no pair among this split's tools: a plain multi-turn row instead
        conv, calls = _single_row(ctx, RowPlan("single", True, min(plan.offered, 2)))
        _add_results(conv, calls, rng)
        return conv
    chain = ctx.next_chain()
    first, then = TOOLS_BY_NAME[chain.first], TOOLS_BY_NAME[chain.then]
    for _ in range(50):
        first_args = _chain_first_args(chain, first, rng, ctx.held_out)
        first_result = _result(first, first_args, rng)
        value = first_result[chain.field]
        then_args, slots = _chain_then_args(chain, then, first_args, value, rng, ctx.held_out)
        human = _chain_request(chain, first, first_args, slots, rng, ctx.frames)
        if _chain_is_clean(chain, human, value, first_args, then_args):
            break
    else:
        raise RuntimeError(f"no clean request for {chain.first} -> {chain.then}")
    then_result = _result(then, then_args, rng)
    conv = _conversation(ctx.offer([first, then], plan.offered), human,
                         _calls_turn(_chain_think(chain, rng), [Call(first, first_args)]))
    conv += [
        {"role": "tool", "content": format_tool_response(first.name, first_result)},
        {"role": "model", "content": _calls_turn(_chain_next_think(chain, value, then_args[chain.param], rng),
                                                 [Call(then, then_args)])},
        {"role": "tool", "content": format_tool_response(then.name, then_result)},
        {"role": "model", "content": _render(rng.choice(FINAL_FRAMES), s=_say(then, then_args, then_result))},
    ]
    return conv


def _pieces(conv: list[dict]) -> int:
    """Rough token count without a tokenizer: digits, letter runs and symbols each count one.
    SmolLM2 needs 0.76-0.92 tokens per piece on these rows, so 550 pieces stay under 512 tokens."""
    return sum(len(re.findall(r"\d|[A-Za-z]+|[^\w\s]|_", m["content"])) for m in conv)


def generate_split(split: str, n: int, seed: int = 0) -> list[dict]:
    """`n` rows of one split; the same (split, n, seed) always gives the same rows."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    rng = random.Random(f"helpers.generator:{seed}:{split}")
    ctx = _SplitContext(split, rng)
    rows, seen = [], set()
    builders = {"single": _single_row, "same": _same_tool_row, "pair": _pair_row}
    for i, plan in enumerate(_row_plan(n, rng)):
        for _ in range(100):  # redraw on a duplicate prompt or an overlong row
            if plan.kind == "irrelevant":
                conv = _irrelevant_row(ctx, plan)
            elif plan.kind == "chain":
                conv = _chain_row(ctx, plan)
            else:
                conv, calls = builders[plan.kind](ctx, plan)
                if plan.multi_turn:
                    _add_results(conv, calls, rng)
            prompt = conv[1]["content"]
            if prompt not in seen and _pieces(conv) <= MAX_ROW_PIECES:
                break
        seen.add(prompt)
        rows.append({"id": f"{split}-{i:05d}", "split": split, "conversations": conv})
    return rows


def generate_dataset(sizes: dict[str, int] | None = None, seed: int = 0) -> dict[str, list[dict]]:
    """All splits: {"train": [...], "test": [...], "unseen": [...]} (DEFAULT_SIZES unless given)."""
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
    return {split: generate_split(split, n, seed) for split, n in sizes.items()}


def write_jsonl(rows: list[dict], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: str | Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.generator", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="directory for train.jsonl, test.jsonl, unseen.jsonl")
    parser.add_argument("--seed", type=int, default=0)
    for split in SPLITS:
        parser.add_argument(f"--{split}", type=int, default=DEFAULT_SIZES[split], help=f"rows in {split}")
    args = parser.parse_args(argv)
    sizes = {split: getattr(args, split) for split in SPLITS}
    for split, rows in generate_dataset(sizes, args.seed).items():
        write_jsonl(rows, Path(args.out) / f"{split}.jsonl")
        print(f"{split}: {len(rows)} rows -> {Path(args.out) / f'{split}.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
