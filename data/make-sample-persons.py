#!/usr/bin/env python3
"""Expand the decided households of sample-households.csv into persons.

Writes sample-persons-households.csv (the household columns) and
sample-persons.csv (one row per person) such that the default policy's
reducers give back each household's members, age-band counts, disabled,
head_female, head_education and monthly_income exactly
(tests/integration/persons_sample.rs checks that both give the same
decisions). Run from the repository root: python3 data/make-sample-persons.py
"""
import csv

SUPPLIED = ["members", "monthly_income", "young_children", "school_age_children",
            "children_not_in_school", "elderly", "disabled", "working_age_able",
            "head_female", "head_education"]
TRUE = {"true", "yes", "y", "1", "ya"}


def main():
    decided = {r["household_id"] for r in csv.DictReader(open("data/sample-households.expected.csv"))}
    rows = list(csv.DictReader(open("data/sample-households.csv", newline="")))
    hh_columns = [c for c in rows[0].keys() if c not in SUPPLIED]
    seen = set()
    households, persons = [], []
    for r in rows:
        r = {k: (v or "").strip() for k, v in r.items() if k is not None}
        hid = r["household_id"]
        if hid not in decided or hid in seen:
            continue
        seen.add(hid)
        # An empty cell takes the policy's default (working_age_able: 1).
        n = lambda c: int(r[c] or (1 if c == "working_age_able" else 0))
        members, young, school, not_in_school = n("members"), n("young_children"), n("school_age_children"), n("children_not_in_school")
        elderly, disabled, able = n("elderly"), n("disabled"), n("working_age_able")
        female = r["head_female"].lower() in TRUE
        education = r["head_education"] or "primary"
        income = r["monthly_income"] or "0"
        working = members - young - school - elderly
        # Ages: the head first (a working-age adult if there is one, else an
        # elder, else the oldest child), then the others.
        people = []
        for i in range(working):
            people.append({"age": 30 + i, "able": i < able})
        for i in range(elderly):
            people.append({"age": 65 + i, "able": True})
        for i in range(school):
            people.append({"age": 17 - (i % 10), "in_school": i >= not_in_school})
        for i in range(young):
            people.append({"age": 1 + (i % 6)})
        for k, p in enumerate(people):
            p["no"] = k + 1
            p["relationship"] = "head" if k == 0 else ("spouse" if k == 1 and p["age"] >= 19 else ("child" if p["age"] < 19 else "other"))
            p["sex"] = ("female" if female else "male") if k == 0 else ("male" if female else "female") if k == 1 else ("female" if k % 2 else "male")
            p["education"] = education if k == 0 else ("secondary" if p["age"] >= 19 else "primary" if p["age"] >= 7 else "none")
            p["disabled"] = k >= len(people) - disabled
            p["income"] = income if k == 0 else "0"
        households.append([r[c] for c in hh_columns])
        for p in people:
            persons.append([hid, p["no"], p["age"], p["relationship"], p["sex"], p["education"],
                            str(p.get("in_school", False)).lower(), str(p["disabled"]).lower(),
                            str(p.get("able", True)).lower(), p["income"]])
    with open("data/sample-persons-households.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(hh_columns)
        w.writerows(households)
    with open("data/sample-persons.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["household_id", "person_no", "age", "relationship", "sex", "education",
                    "in_school", "disabled", "able_to_work", "income"])
        w.writerows(persons)


main()
