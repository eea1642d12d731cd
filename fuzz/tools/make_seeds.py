#!/usr/bin/env python3
"""Regenerate the hand-picked seed corpora in fuzz/seeds/ from the repository's
own data: sample households, hostile CSV files, policies and their expressions.
Run from the repository root: python3 fuzz/tools/make_seeds.py"""
import hashlib, os, re, struct, tomllib, glob

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")

def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def read(p):
    with open(os.path.join(ROOT, p), "rb") as f:
        return f.read()

# ---- csv_row: data rows after the default header
sample = read("data/sample-households.csv")
lines = sample.split(b"\n")
rows = [l for l in lines[1:] if l.strip()]
for i, r in enumerate(rows):
    put("csv_row", f"sample-{i+1:02}.csv", r + b"\n")
put("csv_row", "sample-all.csv", b"\n".join(rows) + b"\n")
put("csv_row", "sample-first5-crlf.csv", b"\r\n".join(rows[:5]) + b"\r\n")
put("csv_row", "sample-first5-cr.csv", b"\r".join(rows[:5]) + b"\r")
put("csv_row", "quoted-multiline.csv",
    b'"H1\nx",3201,rural,5,2000000,1,2,0,0,0,2,false,primary,3,36,cement,protected_well,private,true,gas,true,none,0,false\n'
    b'H2,"32""01",rural,4,"1,800,000",1,1,0,0,0,2,false,primary,3,30,wood,protected_well,shared,true,wood,true,disaster,2,ya\n')
put("csv_row", "duplicate-id.csv", rows[0] + b"\n" + rows[1] + b"\n" + rows[0] + b"\n")
put("csv_row", "unclosed-quote.csv", rows[0] + b'\n"H9,3201,rural\n')
for p in sorted(glob.glob(os.path.join(ROOT, "tests/data/hostile/*.csv"))):
    data = open(p, "rb").read()
    if len(data) > 4096:
        data = data[:4096]
    name = os.path.basename(p)
    # without the file's own header
    body = data.split(b"\n", 1)[1] if b"\n" in data else b""
    if body:
        put("csv_row", "hostile-" + name, body)
    # ---- csv_file: whole files
    put("csv_file", "hostile-" + name, data)
put("csv_file", "sample-households.csv", sample)
for p in ["examples/kobo-survey.csv", "examples/policies/income-only-sample.csv",
          "examples/policies/mpi-sample.csv"]:
    put("csv_file", os.path.basename(p), read(p))
hdr = lines[0]
put("csv_file", "semicolon.csv", b"\xef\xbb\xbf" + b"\n".join(l.replace(b",", b";") for l in lines[:4]) + b"\n")
put("csv_file", "tab.csv", b"\n\n" + b"\n".join(l.replace(b",", b"\t") for l in lines[:4]) + b"\n")
put("csv_file", "pipe-quoted-header.csv", b"\n".join(b"|".join(b'"' + c + b'"' for c in l.split(b",")) for l in lines[:3]) + b"\n")
put("csv_file", "reordered-upper.csv", b"\n".join(b",".join(reversed(l.split(b","))) for l in [hdr.upper()] + lines[1:4]) + b"\n")
put("csv_file", "required-only.csv", b"household_id,members,monthly_income\nA,1,0\nB,50,1e3\nC,2,-1\n")

# ---- policies
policies = ["data/policies/default.toml", "examples/policies/income-only.toml",
            "examples/policies/mpi.toml"]
for p in policies:
    put("policy_load", os.path.basename(p), read(p))
put("policy_load", "minimal.toml", """[policy]
id = "m"
name = "m"
version = "1"
currency = "X"
effective = "2025-01-01"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "n"
type = "integer"
min = 1
default = 1

[[programs]]
id = "p"
name = "p"
kind = "k"
provider = "state"
eligible = 'n > 2'
amount = '10 * n'
period = "month"
review_months = 1

[[tracks]]
id = "t"
""")

# ---- expressions: every expression and template hole of the policies
exprs = set()
KEYS = {"rule", "expr", "when", "eligible", "amount", "duration_months", "deferred_when",
        "starts_after_months", "monthly", "formula"}
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in KEYS and isinstance(x, str):
                exprs.add(x)
            elif isinstance(x, str):
                for hole in re.findall(r"\{([^{}]*)\}", x):
                    exprs.add(hole)
            else:
                walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for p in policies:
    walk(tomllib.loads(read(p).decode()))
# Plus expressions over the expr target's own scope (see fuzz_targets/expr.rs).
exprs.update([
    "income / members",
    "if area == urban then poverty_line else poverty_line * half",
    "tenure in [owner, other] and not employed",
    "tenure not in [renter]",
    "min(income, 5, children) + max(1, 2) - clamp(income, 0, poverty_line)",
    "round(income / 3, 2) + floor(half) + ceil(-half) + abs(-income)",
    "shock == income or shock != 'none' or area == \"rural\"",
    "-(-income) * 1_000.5e-3 >= 1e308 * huge",
    "if insured or strict then 1 else 0 / zero",
    "(((children)))",
    "employed == insured and (income < 0.1 or members <= 2 or children > 1)",
    "income in [1, 2, 3, poverty_line]",
    "round(income)",
    "rural",
    "not not true",
])
for i, e in enumerate(sorted(exprs)):
    put("expr", f"e{i:03}.txt", e)

# ---- policy_splice: [base, start lo, start hi, span length] + replacement
for b, p in enumerate(policies):
    text = read(p).decode()
    n = len(text)
    put("policy_splice", f"b{b}-unchanged.bin", bytes([b, 0, 0, 0]))
    quoted = [(m.start(1), m.end(1)) for m in re.finditer(r"'([^'\n]+)'", text)]
    for j, (s, e) in enumerate(quoted[::3]):
        at = -(-s * 65536 // n)
        assert at * n // 65536 == s
        other = text[quoted[(j * 7 + 5) % len(quoted)][0]:quoted[(j * 7 + 5) % len(quoted)][1]]
        put("policy_splice", f"b{b}-expr{j:02}.bin",
            bytes([b]) + struct.pack("<H", at) + bytes([min(e - s, 255)]) + other.encode())
    for j, m in enumerate(re.finditer(r"^\[\[?[a-z.]+\]\]?$", text, re.M)):
        if j % 4:
            continue
        at = -(-m.start() * 65536 // n)
        put("policy_splice", f"b{b}-section{j:02}.bin",
            bytes([b]) + struct.pack("<H", at) + bytes([0]) + "[[derived]]\nname = \"x\"\ntype = \"number\"\nexpr = 'x + 1'\n\n".encode())
