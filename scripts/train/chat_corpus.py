#!/usr/bin/env python3
"""The chat model's corpus: templated but varied question-answer dialogues (standard library only).

Topics: arithmetic, days and months, unit conversions, spelling, simple facts, greetings. Every
question is an item (topic, template, parameters); a fixed 1 in HELDOUT_MOD of them (chosen by a
CRC of the item, so independent of the seed and of the order of generation) never appears in
training and forms the held-out split. Each item's answer names its checkable part ("expect").

    python3 scripts/train/chat_corpus.py --n 5 --seed 1        # print 5 training dialogues
    python3 scripts/train/chat_corpus.py --heldout | head      # held-out questions (JSON lines)
"""
import argparse
import json
import random
import re
import zlib

HELDOUT_MOD = 20

SYSTEMS = [
    "You are a helpful assistant.",
    "You are a tiny demo model. Answer briefly.",
    "You are terse.",
    "You are a friendly assistant.",
    "Answer the user's question.",
]

# ---------------------------------------------------------------- arithmetic
ADD_Q = ["What is {a} plus {b}?", "What is {a} + {b}?", "How much is {a} plus {b}?",
         "Add {a} and {b}.", "What's the sum of {a} and {b}?", "Calculate {a} + {b}.",
         "{a} + {b} = ?", "Can you add {a} and {b}?"]
SUB_Q = ["What is {a} minus {b}?", "What is {a} - {b}?", "How much is {a} minus {b}?",
         "Subtract {b} from {a}.", "What's {a} take away {b}?", "Calculate {a} - {b}.",
         "{a} - {b} = ?"]
MUL_Q = ["What is {a} times {b}?", "What is {a} * {b}?", "How much is {a} times {b}?",
         "Multiply {a} by {b}.", "What's the product of {a} and {b}?", "Calculate {a} x {b}.",
         "{a} * {b} = ?"]
ADD_A = ["{a} + {b} = {c}.", "{a} plus {b} is {c}.", "The sum is {c}.", "{c}."]
SUB_A = ["{a} - {b} = {c}.", "{a} minus {b} is {c}.", "The answer is {c}.", "{c}."]
MUL_A = ["{a} x {b} = {c}.", "{a} times {b} is {c}.", "The product is {c}.", "{c}."]


def arithmetic(rng):
    op = rng.choice("+++--*")
    if op == "+":
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        return ("add", rng.randrange(len(ADD_Q)), (a, b), ADD_Q, ADD_A, a + b)
    if op == "-":
        a = rng.randint(0, 99)
        b = rng.randint(0, a)
        return ("sub", rng.randrange(len(SUB_Q)), (a, b), SUB_Q, SUB_A, a - b)
    a, b = rng.randint(0, 12), rng.randint(0, 12)
    return ("mul", rng.randrange(len(MUL_Q)), (a, b), MUL_Q, MUL_A, a * b)


def arithmetic_item(rng):
    topic, t, (a, b), qs, ans, c = arithmetic(rng)
    q = qs[t].format(a=a, b=b)
    a_text = rng.choice(ans).format(a=a, b=b, c=c)
    # sums and differences are held out as number pairs (never seen in any wording), so the
    # held-out split tests computing, not recall; products by wording (a table is recall)
    return (topic, (a, b)) if topic != "mul" else (topic, t, (a, b)), q, a_text, str(c)


# ---------------------------------------------------------------- days and months
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
ORD = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
       "tenth", "eleventh", "twelfth"]
NUM_WORD = ["zero", "one", "two", "three", "four", "five", "six"]


def dates_item(rng):
    kind = rng.randrange(7)
    if kind == 0:
        d = rng.randrange(7)
        qs = ["What day comes after {d}?", "Which day follows {d}?",
              "If today is {d}, what day is tomorrow?", "What is the day after {d}?"]
        t = rng.randrange(len(qs))
        ans = DAYS[(d + 1) % 7]
        a = rng.choice(["The day after {d} is {x}.", "{x}.", "It is {x}."])
        return ("day+1", t, d), qs[t].format(d=DAYS[d]), a.format(d=DAYS[d], x=ans), ans
    if kind == 1:
        d = rng.randrange(7)
        qs = ["What day comes before {d}?", "Which day is before {d}?",
              "If today is {d}, what day was yesterday?", "What is the day before {d}?"]
        t = rng.randrange(len(qs))
        ans = DAYS[(d + 6) % 7]
        a = rng.choice(["The day before {d} is {x}.", "{x}.", "It was {x}."])
        return ("day-1", t, d), qs[t].format(d=DAYS[d]), a.format(d=DAYS[d], x=ans), ans
    if kind == 2:
        d, n = rng.randrange(7), rng.randint(2, 6)
        qs = ["What day is {n} days after {d}?", "If today is {d}, what day is it in {n} days?",
              "What day of the week comes {n} days after {d}?"]
        t = rng.randrange(len(qs))
        ans = DAYS[(d + n) % 7]
        a = rng.choice(["{n} days after {d} is {x}.", "It is {x}.", "{x}."])
        return (("day+n", t, d, n), qs[t].format(d=DAYS[d], n=n),
                a.format(d=DAYS[d], n=n, x=ans), ans)
    if kind == 3:
        m = rng.randrange(12)
        qs = ["What month comes after {m}?", "Which month follows {m}?",
              "What is the month after {m}?"]
        t = rng.randrange(len(qs))
        ans = MONTHS[(m + 1) % 12]
        a = rng.choice(["The month after {m} is {x}.", "{x}.", "{x} comes after {m}."])
        return ("month+1", t, m), qs[t].format(m=MONTHS[m]), a.format(m=MONTHS[m], x=ans), ans
    if kind == 4:
        m = rng.randrange(12)
        qs = ["How many days are in {m}?", "How many days does {m} have?",
              "How long is {m} in days?", "Number of days in {m}?"]
        t = rng.randrange(len(qs))
        n = MONTH_DAYS[m]
        if m == 1:
            a = rng.choice(["February has 28 days, or 29 in a leap year.",
                            "28 days, and 29 in a leap year."])
        else:
            a = rng.choice(["{m} has {n} days.", "There are {n} days in {m}.", "{n} days."])
        return ("month-days", t, m), qs[t].format(m=MONTHS[m]), a.format(m=MONTHS[m], n=n), str(n)
    if kind == 5:
        m = rng.randrange(12)
        qs = ["What is the {o} month of the year?", "Which month is the {o} month?",
              "Name the {o} month of the year."]
        t = rng.randrange(len(qs))
        a = rng.choice(["The {o} month is {x}.", "{x}.", "It is {x}."])
        return (("month-ord", t, m), qs[t].format(o=ORD[m]), a.format(o=ORD[m], x=MONTHS[m]),
                MONTHS[m])
    facts = [("How many days are in a week?", "There are 7 days in a week.", "7"),
             ("How many months are in a year?", "There are 12 months in a year.", "12"),
             ("How many hours are in a day?", "There are 24 hours in a day.", "24"),
             ("How many minutes are in an hour?", "There are 60 minutes in an hour.", "60"),
             ("How many seconds are in a minute?", "There are 60 seconds in a minute.", "60"),
             ("How many days are in a year?", "A year has 365 days, or 366 in a leap year.", "365"),
             ("What is the first day of the week?", "Monday is the first day of the week.",
              "Monday"),
             ("Which days are the weekend?", "The weekend is Saturday and Sunday.", "Saturday")]
    i = rng.randrange(len(facts))
    return ("time-fact", 0, i), facts[i][0], facts[i][1], facts[i][2]


# ---------------------------------------------------------------- units
UNITS = [  # big, small, factor
    ("kilometers", "meters", 1000), ("meters", "centimeters", 100),
    ("centimeters", "millimeters", 10), ("meters", "millimeters", 1000),
    ("kilograms", "grams", 1000), ("liters", "milliliters", 1000), ("hours", "minutes", 60),
    ("minutes", "seconds", 60), ("days", "hours", 24), ("weeks", "days", 7),
    ("years", "months", 12), ("dollars", "cents", 100)]
UNIT_Q = ["How many {s} are in {n} {b}?", "Convert {n} {b} to {s}.", "What is {n} {b} in {s}?",
          "{n} {b} is how many {s}?", "How many {s} make {n} {b}?"]
UNIT_A = ["{n} {b} is {x} {s}.", "{n} {b} = {x} {s}.", "That is {x} {s}.", "{x} {s}."]


def units_item(rng):
    u = rng.randrange(len(UNITS))
    big, small, f = UNITS[u]
    n = rng.randint(1, 20)
    t = rng.randrange(len(UNIT_Q))
    bn = big[:-1] if n == 1 else big
    x = n * f
    q = UNIT_Q[t].format(n=n, b=bn, s=small)
    a = rng.choice(UNIT_A).format(n=n, b=bn, s=small, x=x)
    return ("unit", t, u, n), q, a, str(x)


# ---------------------------------------------------------------- spelling
WORDS = """apple banana orange grape lemon cherry peach melon mango pear house garden window
door table chair river mountain ocean forest desert island bridge school teacher student
doctor friend family mother father sister brother child people water coffee bread cheese
butter sugar honey pizza pasta soup salad dinner lunch breakfast morning evening night
summer winter spring autumn rain snow cloud storm wind sunny purple yellow green black
white brown silver golden happy little quiet simple strong bright gentle clever funny
music guitar piano violin drum song dance story letter number circle square triangle
planet rocket moon star earth animal rabbit horse tiger lion zebra monkey turtle dolphin
whale eagle parrot spider kitten puppy elephant giraffe penguin computer phone camera
pencil paper button pocket ticket basket bottle kitchen bedroom office market city
village country travel journey holiday birthday present question answer language
english science history picture flower tree leaf grass stone sand light shadow dream
""".split()
SPELL_Q = ["How do you spell {w}?", "Spell the word {w}.", "Can you spell {w}?",
           "Spell {w} letter by letter."]
FIRST_Q = ["What is the first letter of {w}?", "Which letter does {w} start with?",
           "What letter does the word {w} begin with?"]
LAST_Q = ["What is the last letter of {w}?", "Which letter does {w} end with?"]
LEN_Q = ["How many letters are in {w}?", "How many letters does the word {w} have?",
         "How long is the word {w}?"]


def spelling_item(rng):
    wi = rng.randrange(len(WORDS))
    w = WORDS[wi]
    kind = rng.randrange(6)
    if kind < 3:
        t = rng.randrange(len(SPELL_Q))
        sp = "-".join(w.upper())
        a = rng.choice(["{w} is spelled {s}.", "{s}.", "It is spelled {s}."])
        return ("spell", t, wi), SPELL_Q[t].format(w=w), a.format(w=w, s=sp), sp
    if kind == 3:
        t = rng.randrange(len(FIRST_Q))
        x = w[0].upper()
        a = rng.choice(["The first letter of {w} is {x}.", "{w} starts with {x}.", "{x}."])
        return ("first", t, wi), FIRST_Q[t].format(w=w), a.format(w=w, x=x), x
    if kind == 4:
        t = rng.randrange(len(LAST_Q))
        x = w[-1].upper()
        a = rng.choice(["The last letter of {w} is {x}.", "{w} ends with {x}.", "{x}."])
        return ("last", t, wi), LAST_Q[t].format(w=w), a.format(w=w, x=x), x
    t = rng.randrange(len(LEN_Q))
    n = len(w)
    a = rng.choice(["{w} has {n} letters.", "The word {w} has {n} letters.", "{n} letters."])
    return ("len", t, wi), LEN_Q[t].format(w=w), a.format(w=w, n=n), str(n)


# ---------------------------------------------------------------- facts
CAPITALS = [("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
            ("Japan", "Tokyo"), ("China", "Beijing"), ("India", "New Delhi"),
            ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Brazil", "Brasilia"),
            ("Egypt", "Cairo"), ("Russia", "Moscow"), ("Mexico", "Mexico City"),
            ("Kenya", "Nairobi"), ("Greece", "Athens"), ("Portugal", "Lisbon"),
            ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Poland", "Warsaw"),
            ("Ireland", "Dublin"), ("Austria", "Vienna"), ("Peru", "Lima"),
            ("Argentina", "Buenos Aires"), ("Turkey", "Ankara"), ("Thailand", "Bangkok"),
            ("England", "London"), ("the United States", "Washington, D.C."),
            ("South Korea", "Seoul"), ("Finland", "Helsinki"), ("Denmark", "Copenhagen")]
CAP_Q = ["What is the capital of {c}?", "What's the capital city of {c}?",
         "Which city is the capital of {c}?", "Name the capital of {c}.",
         "Tell me the capital of {c}."]
CAP_A = ["The capital of {c} is {x}.", "{x} is the capital of {c}.", "{x}."]
COLORS = [("the sky", "blue"), ("grass", "green"), ("snow", "white"), ("a banana", "yellow"),
          ("coal", "black"), ("a strawberry", "red"), ("an orange", "orange"),
          ("a lemon", "yellow"), ("milk", "white"), ("a tomato", "red"), ("the sun", "yellow"),
          ("a carrot", "orange"), ("chocolate", "brown"), ("a leaf", "green"),
          ("blood", "red"), ("the ocean", "blue"), ("a lime", "green"), ("an eggplant", "purple")]
COL_Q = ["What color is {t}?", "What colour is {t}?", "Which color is {t}?",
         "Tell me the color of {t}."]
COL_A = ["{T} is {x}.", "It is {x}.", "{X}."]
SOUNDS = [("cow", "moo"), ("dog", "woof"), ("cat", "meow"), ("duck", "quack"), ("sheep", "baa"),
          ("lion", "roar"), ("pig", "oink"), ("owl", "hoot"), ("horse", "neigh"),
          ("snake", "hiss"), ("bee", "buzz"), ("frog", "ribbit"), ("mouse", "squeak")]
SND_Q = ["What sound does a {t} make?", "What does a {t} say?", "How does a {t} sound?"]
SND_A = ["A {t} says {x}.", "A {t} goes {x}.", "{X}!"]
OPPOSITES = [("hot", "cold"), ("big", "small"), ("up", "down"), ("fast", "slow"),
             ("happy", "sad"), ("day", "night"), ("light", "dark"), ("open", "closed"),
             ("old", "young"), ("early", "late"), ("full", "empty"), ("hard", "soft"),
             ("left", "right"), ("wet", "dry"), ("tall", "short"), ("rich", "poor"),
             ("loud", "quiet"), ("strong", "weak"), ("win", "lose"), ("in", "out"),
             ("push", "pull"), ("first", "last"), ("true", "false"), ("yes", "no")]
OPP_Q = ["What is the opposite of {t}?", "What's the opposite of {t}?",
         "Give me the opposite of {t}.", "What word means the opposite of {t}?"]
OPP_A = ["The opposite of {t} is {x}.", "{X}.", "It is {x}."]
PLURALS = [("mouse", "mice"), ("child", "children"), ("foot", "feet"), ("tooth", "teeth"),
           ("man", "men"), ("woman", "women"), ("goose", "geese"), ("person", "people"),
           ("box", "boxes"), ("city", "cities"), ("leaf", "leaves"), ("knife", "knives"),
           ("fish", "fish"), ("sheep", "sheep"), ("baby", "babies"), ("bus", "buses"),
           ("wolf", "wolves"), ("cat", "cats"), ("dog", "dogs"), ("ox", "oxen")]
PL_Q = ["What is the plural of {t}?", "What's the plural of {t}?", "How do you say more than one {t}?"]
PL_A = ["The plural of {t} is {x}.", "{X}.", "One {t}, two {x}."]
LEGS = [("spider", 8), ("dog", 4), ("bird", 2), ("insect", 6), ("cat", 4), ("horse", 4),
        ("person", 2), ("octopus", 8), ("ant", 6), ("chicken", 2), ("cow", 4), ("snake", 0),
        ("fish", 0), ("duck", 2), ("crab", 10), ("bee", 6)]
LEG_Q = ["How many legs does a {t} have?", "How many legs has a {t} got?",
         "Count the legs of a {t}."]
LEG_A = ["A {t} has {x} legs.", "{x} legs.", "It has {x} legs."]
MISC = [("What is the largest planet?", "Jupiter is the largest planet.", "Jupiter"),
        ("What planet do we live on?", "We live on Earth.", "Earth"),
        ("What is the closest star to Earth?", "The Sun is the closest star to Earth.", "Sun"),
        ("What do bees make?", "Bees make honey.", "honey"),
        ("What is frozen water called?", "Frozen water is called ice.", "ice"),
        ("What gas do plants take in?", "Plants take in carbon dioxide.", "carbon dioxide"),
        ("What do cows drink?", "Cows drink water.", "water"),
        ("How many continents are there?", "There are 7 continents.", "7"),
        ("How many sides does a triangle have?", "A triangle has 3 sides.", "3"),
        ("How many sides does a square have?", "A square has 4 sides.", "4"),
        ("How many sides does a hexagon have?", "A hexagon has 6 sides.", "6"),
        ("At what temperature does water boil?", "Water boils at 100 degrees Celsius.", "100"),
        ("At what temperature does water freeze?", "Water freezes at 0 degrees Celsius.", "0"),
        ("What is the biggest ocean?", "The Pacific is the biggest ocean.", "Pacific"),
        ("How many letters are in the English alphabet?",
         "The English alphabet has 26 letters.", "26"),
        ("What color do you get by mixing blue and yellow?",
         "Blue and yellow make green.", "green"),
        ("What color do you get by mixing red and white?", "Red and white make pink.", "pink"),
        ("Which animal is known as the king of the jungle?",
         "The lion is called the king of the jungle.", "lion")]
RELATIONS = [  # name, table, questions, answers
    ("capital", CAPITALS, CAP_Q, CAP_A), ("color", COLORS, COL_Q, COL_A),
    ("sound", SOUNDS, SND_Q, SND_A), ("opposite", OPPOSITES, OPP_Q, OPP_A),
    ("plural", PLURALS, PL_Q, PL_A), ("legs", LEGS, LEG_Q, LEG_A)]


def facts_item(rng):
    r = rng.randrange(len(RELATIONS) + 1)
    if r == len(RELATIONS):
        i = rng.randrange(len(MISC))
        return ("misc", 0, i), MISC[i][0], MISC[i][1], MISC[i][2]
    name, table, qs, ans = RELATIONS[r]
    i = rng.randrange(len(table))
    t_, x = table[i]
    t = rng.randrange(len(qs))
    x = str(x)
    a = rng.choice(ans).format(t=t_, T=t_[0].upper() + t_[1:], x=x, X=x[0].upper() + x[1:], c=t_)
    return (name, t, i), qs[t].format(t=t_, c=t_), a, x


# ---------------------------------------------------------------- greetings
GREETINGS = [
    (["Hello!", "Hi!", "Hi there!", "Hello there.", "Hey!", "Good morning!", "Good evening!",
      "Hey there, how are you?", "Hi, how are you?"],
     ["Hello! How can I help you today?", "Hi! What would you like to know?",
      "Hello! I am doing well, thank you. How can I help?"], "H"),
    (["Who are you?", "What are you?", "What is your name?", "Tell me about yourself."],
     ["I am a tiny demonstration model trained for the anyinfer project. I can answer simple "
      "questions about arithmetic, dates, units, spelling and a few facts.",
      "I am a small demo assistant. Ask me simple questions, like what is 12 plus 30."], "demo"),
    (["What can you do?", "How can you help me?", "What do you know?"],
     ["I can add, subtract and multiply small numbers, convert units, spell words, and answer "
      "simple questions about days, months and facts.",
      "Ask me about arithmetic, days and months, units, spelling or simple facts."], "spell"),
    (["Thank you!", "Thanks!", "Thanks a lot.", "Great, thanks."],
     ["You're welcome!", "Happy to help!", "You are welcome. Anything else?"], "elcome"),
    (["Goodbye!", "Bye!", "See you later.", "Good night!"],
     ["Goodbye! Have a nice day.", "Bye! See you soon.", "Good night!"], "!"),
]


def greeting_item(rng):
    g = rng.randrange(len(GREETINGS))
    qs, ans, expect = GREETINGS[g]
    t = rng.randrange(len(qs))
    a = rng.choice(ans)
    return ("greet", t, g), qs[t], a, expect


TOPICS = [(arithmetic_item, 30), (dates_item, 16), (units_item, 14), (spelling_item, 14),
          (facts_item, 20), (greeting_item, 6)]


def is_heldout(key):
    if key[0] in ("greet", "misc", "time-fact"):
        return False  # a handful of fixed questions: all of them are trained
    return zlib.crc32(repr(key).encode()) % HELDOUT_MOD == 0


def draw_item(rng):
    fns, weights = zip(*TOPICS)
    return rng.choices(fns, weights)[0](rng)


def vary(rng, q):
    """Surface variation of a user question: case, punctuation, polite prefixes."""
    r = rng.random()
    if r < 0.08:
        q = q.lower()
    elif r < 0.12:
        q = q.rstrip("?.!")
    if rng.random() < 0.08:
        q = rng.choice(["Please tell me: ", "Quick question: ", "Hey, ", "Can you tell me: "]) + \
            q[0].lower() + q[1:]
    return q


def dialogue(rng):
    """One training dialogue: a list of {"role", "content"} with 1-3 user/assistant turns."""
    msgs = []
    if rng.random() < 0.3:
        msgs.append({"role": "system", "content": rng.choice(SYSTEMS)})
    turns = rng.choices([1, 2, 3], [70, 20, 10])[0]
    while turns:
        key, q, a, _ = draw_item(rng)
        if is_heldout(key):
            continue
        msgs.append({"role": "user", "content": vary(rng, q)})
        msgs.append({"role": "assistant", "content": a})
        turns -= 1
    return msgs


def heldout(limit_per_topic=1000):
    """The held-out questions: each distinct held-out item once, as {"topic", "q", "expect"}."""
    rng = random.Random(12345)
    seen, out, per = set(), [], {}
    for _ in range(400000):
        key, q, _, expect = draw_item(rng)
        if not is_heldout(key) or key in seen or per.get(key[0], 0) >= limit_per_topic:
            continue
        seen.add(key)
        per[key[0]] = per.get(key[0], 0) + 1
        out.append({"topic": key[0], "q": q, "expect": expect})
    return out


def answer_ok(expect, answer):
    """Whether an answer contains the expected text as a whole word (a letter in capitals as
    the corpus writes it; anything longer in any case): "3" is not in "13", "E" not in "is"."""
    pat = r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(expect)
    return re.search(pat, answer, 0 if len(expect) == 1 else re.IGNORECASE) is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--heldout", action="store_true")
    args = ap.parse_args()
    if args.heldout:
        for h in heldout():
            print(json.dumps(h))
        return
    rng = random.Random(args.seed)
    for _ in range(args.n):
        print(json.dumps(dialogue(rng)))


if __name__ == "__main__":
    main()
