//! Micro-benchmarks of the per-row stages, each checking its answer:
//! one expression, one row's typed parse, one household's decision, one CSV
//! decision written. The whole-file throughput against the raw CSV limit is
//! `benches/throughput.sh`.
//!
//! ```sh
//! cargo bench --bench engine
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use layak::engine::Engine;
use layak::input::{self, Layout, ReadOptions, RowParser};
use layak::policy::{LoadOptions, Policy};
use layak::report::{Decision, DecisionWriter, Format};

const HEADER: &str = "household_id,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged\n";
/// A poor rural household of five in an emergency: most rules fire.
const ROW: &str = "H001,3201,rural,6,1500000,1,2,1,1,0,2,Ya,none,3,30,earth,unprotected_well,shared,yes,wood,tidak,disaster,2,y\n";

fn setup() -> (Policy, Layout, csv::ByteRecord) {
    let policy = Policy::default_policy(&LoadOptions {
        as_of: Some("2025-06-01".into()),
    })
    .expect("the default policy loads");
    let source = input::from_reader(
        "bench".into(),
        Box::new(std::io::Cursor::new(HEADER.as_bytes().to_vec())),
        &ReadOptions::default(),
    )
    .expect("header");
    let layout = Layout::new(&policy, &source, &ReadOptions::default()).expect("layout");
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(ROW.as_bytes());
    let mut record = csv::ByteRecord::new();
    rdr.read_byte_record(&mut record).expect("row");
    (policy, layout, record)
}

fn benches(c: &mut Criterion) {
    let (policy, layout, record) = setup();
    let parser = RowParser::new(&policy, &layout);
    let engine = Engine::new(&policy);
    let mut s = engine.scratch();
    parser.parse(&record, 2, &mut s.slots).expect("valid row");
    engine.decide(&mut s).expect("decided");
    let emergency_slot = policy.fields.emergency.expect("emergency");
    assert_eq!(s.slots[emergency_slot], 1.0);
    let track = policy.tracks[s.track].id.clone();
    assert_eq!(track, "emergency");

    let mut group = c.benchmark_group("per_row");
    group.throughput(Throughput::Elements(1));

    let emergency = policy
        .derived
        .iter()
        .find(|d| d.name == "emergency")
        .expect("emergency is derived");
    group.bench_function("expr_emergency", |b| {
        b.iter(|| {
            let v = emergency.program.eval(black_box(&s.slots));
            assert_eq!(v, 1.0);
        })
    });

    let mut slots = s.slots.clone();
    group.bench_function("parse_row", |b| {
        b.iter(|| {
            parser
                .parse(black_box(&record), 2, &mut slots)
                .expect("valid row");
            assert_eq!(slots[3], 6.0);
        })
    });

    group.bench_function("decide", |b| {
        b.iter(|| {
            engine.decide(black_box(&mut s)).expect("decided");
            assert_eq!(s.track, 0);
        })
    });

    let mut writer = DecisionWriter::new(&policy, Format::Csv);
    let mut out = Vec::with_capacity(4096);
    group.bench_function("write_csv_decision", |b| {
        b.iter(|| {
            out.clear();
            let mut d = Decision {
                household_id: b"H001",
                region: b"3201",
                scratch: &mut s,
            };
            writer.decision(&mut d, &mut out);
            assert!(out.starts_with(b"H001,3201,poor,"));
        })
    });
    group.finish();
}

criterion_group!(per_row, benches);
criterion_main!(per_row);
