//! Households and their persons, generated: the person file (two layouts)
//! and the household file a hand aggregation gives, per persons.md.

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Debug, Clone)]
pub struct Person {
    pub no: u32,
    pub age: u32,
    pub relationship: &'static str,
    pub sex: &'static str,
    pub education: &'static str,
    pub in_school: bool,
    pub disabled: bool,
    pub able_to_work: bool,
    /// Cents.
    pub income: u64,
}

#[derive(Debug, Clone)]
pub struct Household {
    pub id: String,
    /// The household-level cells, in [`HOUSEHOLD_COLUMNS`] order.
    pub cells: Vec<String>,
    pub persons: Vec<Person>,
}

pub const HOUSEHOLD_COLUMNS: [&str; 13] = [
    "region",
    "area",
    "meals_per_day",
    "floor_area_m2",
    "floor_material",
    "water_source",
    "sanitation",
    "electricity",
    "cooking_fuel",
    "health_insurance",
    "shock",
    "shock_months_ago",
    "home_damaged",
];

pub const PERSON_COLUMNS: [&str; 9] = [
    "person_no",
    "age",
    "relationship",
    "sex",
    "education",
    "in_school",
    "disabled",
    "able_to_work",
    "income",
];

pub const SUPPLIED: [&str; 10] = [
    "members",
    "monthly_income",
    "young_children",
    "school_age_children",
    "children_not_in_school",
    "elderly",
    "disabled",
    "working_age_able",
    "head_female",
    "head_education",
];

pub fn household(rng: &mut Rng, id: String) -> Household {
    let cells = vec![
        rng.pick(&["3201", "5201", "5271", "9471"]).to_string(),
        rng.pick(&["rural", "urban"]).to_string(),
        (1 + rng.below(3)).to_string(),
        (8 + rng.below(80)).to_string(),
        rng.pick(&["earth", "wood", "cement", "tile"]).to_string(),
        rng.pick(&["piped", "protected_well", "unprotected_well", "surface"])
            .to_string(),
        rng.pick(&["private", "shared", "none"]).to_string(),
        rng.pick(&["true", "false"]).to_string(),
        rng.pick(&["gas", "wood", "electricity"]).to_string(),
        rng.pick(&["true", "false"]).to_string(),
        "none".to_string(),
        "0".to_string(),
        "false".to_string(),
    ];
    let n = 1 + rng.below(6) as usize;
    let mut persons = Vec::with_capacity(n);
    for i in 0..n {
        let age = if i == 0 {
            18 + rng.below(70) as u32
        } else {
            rng.below(90) as u32
        };
        let income = match rng.below(4) {
            0 => 0,
            1 => rng.below(300) * 10_000 * 100,
            2 => rng.below(500_000_000),
            _ => rng.below(3) * 500_000 * 100 + 50,
        };
        persons.push(Person {
            no: i as u32 + 1,
            age,
            relationship: if i == 0 {
                "head"
            } else {
                rng.pick(&["spouse", "child", "parent", "other"])
            },
            sex: rng.pick(&["female", "male"]),
            education: rng.pick(&["none", "primary", "secondary", "tertiary"]),
            in_school: (7..=18).contains(&age) && rng.below(4) > 0,
            disabled: rng.below(8) == 0,
            able_to_work: rng.below(6) > 0,
            income,
        });
    }
    // The head is not always the first row.
    let k = rng.below(n as u64) as usize;
    persons.swap(0, k);
    Household { id, cells, persons }
}

pub fn households(seed: u64, n: usize) -> Vec<Household> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| household(&mut rng, format!("H{:05}", i + 1)))
        .collect()
}

fn money(cents: u64) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

fn person_cells(p: &Person) -> Vec<String> {
    vec![
        p.no.to_string(),
        p.age.to_string(),
        p.relationship.to_string(),
        p.sex.to_string(),
        p.education.to_string(),
        p.in_school.to_string(),
        p.disabled.to_string(),
        p.able_to_work.to_string(),
        money(p.income),
    ]
}

/// The household inputs the persons give, per persons.md, in [`SUPPLIED`] order.
pub fn aggregate(h: &Household) -> Vec<String> {
    let p = &h.persons;
    let count = |f: &dyn Fn(&Person) -> bool| p.iter().filter(|x| f(x)).count().to_string();
    let head = p.iter().find(|x| x.relationship == "head");
    vec![
        p.len().to_string(),
        money(p.iter().map(|x| x.income).sum()),
        count(&|x| x.age <= 6),
        count(&|x| (7..=18).contains(&x.age)),
        count(&|x| (7..=18).contains(&x.age) && !x.in_school),
        count(&|x| x.age >= 60),
        count(&|x| x.disabled),
        count(&|x| (19..=59).contains(&x.age) && x.able_to_work),
        head.map_or(
            "false",
            |x| if x.sex == "female" { "true" } else { "false" },
        )
        .to_string(),
        head.map_or("none", |x| x.education).to_string(),
    ]
}

/// The aggregated household file (what an analyst would compute by hand).
pub fn aggregated_csv(hs: &[Household]) -> String {
    let mut out = String::from("household_id,");
    out.push_str(&HOUSEHOLD_COLUMNS.join(","));
    out.push(',');
    out.push_str(&SUPPLIED.join(","));
    out.push('\n');
    for h in hs {
        out.push_str(&h.id);
        out.push(',');
        out.push_str(&h.cells.join(","));
        out.push(',');
        out.push_str(&aggregate(h).join(","));
        out.push('\n');
    }
    out
}

/// The household file of the two-file layout (no supplied column).
pub fn household_csv(hs: &[Household]) -> String {
    let mut out = String::from("household_id,");
    out.push_str(&HOUSEHOLD_COLUMNS.join(","));
    out.push('\n');
    for h in hs {
        out.push_str(&format!("{},{}\n", h.id, h.cells.join(",")));
    }
    out
}

/// Person rows `(household, person)` in file order.
pub type Order = Vec<(usize, usize)>;

/// Households' persons together, in household order.
pub fn grouped_order(hs: &[Household]) -> Order {
    hs.iter()
        .enumerate()
        .flat_map(|(i, h)| (0..h.persons.len()).map(move |j| (i, j)))
        .collect()
}

/// Every person row in a random order.
pub fn shuffled_order(hs: &[Household], seed: u64) -> Order {
    let mut order = grouped_order(hs);
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// The person file of the two-file layout.
pub fn person_csv(hs: &[Household], order: &Order) -> String {
    let mut out = String::from("household_id,");
    out.push_str(&PERSON_COLUMNS.join(","));
    out.push('\n');
    for &(i, j) in order {
        out.push_str(&format!(
            "{},{}\n",
            hs[i].id,
            person_cells(&hs[i].persons[j]).join(",")
        ));
    }
    out
}

/// The rectangular file: person columns, then the household columns repeated.
pub fn rectangular_csv(hs: &[Household], order: &Order) -> String {
    let mut out = String::from("household_id,");
    out.push_str(&PERSON_COLUMNS.join(","));
    out.push(',');
    out.push_str(&HOUSEHOLD_COLUMNS.join(","));
    out.push('\n');
    for &(i, j) in order {
        out.push_str(&format!(
            "{},{},{}\n",
            hs[i].id,
            person_cells(&hs[i].persons[j]).join(","),
            hs[i].cells.join(",")
        ));
    }
    out
}

/// The aggregated file in the order households first appear in `order`.
pub fn aggregated_in_order(hs: &[Household], order: &Order) -> String {
    let mut seen = vec![false; hs.len()];
    let mut sorted = Vec::new();
    for &(i, _) in order {
        if !seen[i] {
            seen[i] = true;
            sorted.push(hs[i].clone());
        }
    }
    aggregated_csv(&sorted)
}
