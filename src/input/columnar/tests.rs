use super::*;

fn f64_text(v: f64) -> String {
    let mut out = Vec::new();
    write_f64(v, &mut out);
    String::from_utf8(out).unwrap()
}

/// What the row parser reads from `text` for an input wanting `wants`
/// in `d`'s range, as `fill_one` does; `None` when it rejects it.
fn parsed(d: Direct, text: &[u8]) -> Option<f64> {
    let v = match d.wants {
        Wants::Integer => super::super::cell::parse_integer(text),
        Wants::Number => super::super::cell::parse_number(text),
        _ => super::super::cell::parse_bool(text),
    }
    .ok()?;
    (v >= d.min && v <= d.max && v.is_finite()).then_some(v)
}

#[test]
fn values_read_straight_into_slots_are_what_their_text_reads_as() {
    let ranges = [
        (f64::NEG_INFINITY, f64::INFINITY),
        (0.0, 30.0),
        (-5.0, 1e12),
    ];
    let integers: Vec<i128> = vec![
        0,
        1,
        -1,
        2,
        7,
        30,
        31,
        -5,
        -6,
        999_999_999_999_999,
        1_000_000_000_000_000,
        -999_999_999_999_999,
        -1_000_000_000_000_000,
        i128::from(i64::MAX),
        i128::from(i64::MIN),
        i128::from(u64::MAX),
    ];
    let floats = [
        0.0,
        -0.0,
        0.1,
        -0.1,
        1.0 / 3.0,
        2.5,
        3.0,
        -7.0,
        1500000.5,
        123.456,
        1e-6,
        9.99e-7,
        1.5e-7,
        999_999_999_999_999.0,
        1e15,
        1e20,
        6.02e23,
        12345.678e5,
        f64::MIN_POSITIVE,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for wants in [Wants::Integer, Wants::Number, Wants::Bool] {
        for (min, max) in ranges {
            let d = Direct { wants, min, max };
            for &v in &integers {
                let text = itoa::Buffer::new().format(v).to_string();
                if let Some(x) = d.integer(v) {
                    assert_eq!(parsed(d, text.as_bytes()), Some(x), "{wants:?} {v}");
                    assert!(text.len() <= DIRECT_TEXT_BYTES);
                }
                // In range and within 15 digits: always read directly.
                let plain = v.unsigned_abs() < 1_000_000_000_000_000;
                if plain && parsed(d, text.as_bytes()).is_some() {
                    assert!(d.integer(v).is_some(), "{wants:?} {v}");
                }
            }
            for &v in &floats {
                let text = f64_text(v);
                if let Some(x) = d.float(v) {
                    assert_eq!(parsed(d, text.as_bytes()), Some(x), "{wants:?} {v}");
                    assert!(text.len() <= DIRECT_TEXT_BYTES, "{text}");
                    assert!(x.to_bits() != (-0.0f64).to_bits());
                }
            }
            for v in [true, false] {
                if let Some(x) = d.boolean(v) {
                    let text: &[u8] = if v { b"true" } else { b"false" };
                    assert_eq!(parsed(d, text), Some(x));
                }
            }
        }
    }
    let d = Direct {
        wants: Wants::Number,
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    };
    assert_eq!(d.float(0.1), Some(0.1));
    assert_eq!(d.float(1.5e-7), None, "a long text: parsed as text");
    assert_eq!(d.integer(-3), Some(-3.0));
    let bool_input = Direct {
        wants: Wants::Bool,
        ..d
    };
    assert_eq!(bool_input.integer(2), None, "rejected from its text");
    assert_eq!(bool_input.integer(1), Some(1.0));
    assert_eq!(bool_input.boolean(false), Some(0.0));
}

#[test]
fn a_column_with_one_value_its_input_rejects_is_read_as_text() {
    use arrow_array::{BooleanArray, Float64Array, Int64Array};
    let members = Direct {
        wants: Wants::Integer,
        min: 1.0,
        max: 30.0,
    };
    let mut col = Col::default();
    let ok = Int64Array::from(vec![Some(3), None, Some(30)]);
    assert!(col.direct(&ok, members));
    assert_eq!(col.typed.as_deref().map(<[f64]>::len), Some(3));
    let row = |col: &Col, r: usize| {
        let (text, typed) = cells::read_rows(std::slice::from_ref(col), col.rows())
            .swap_remove(r)
            .swap_remove(0);
        (Some(text), typed)
    };
    assert_eq!(row(&col, 0), (Some(Vec::new()), Some(3.0)));
    assert_eq!(
        row(&col, 1),
        (Some(Vec::new()), None),
        "a null: an empty cell"
    );
    assert_eq!(col.longest(0), DIRECT_TEXT_BYTES);
    for bad in [
        Int64Array::from(vec![Some(3), Some(31)]),
        Int64Array::from(vec![Some(0), Some(3)]),
    ] {
        let mut col = Col::default();
        assert!(!col.direct(&bad, members));
        assert!(col.typed.is_none());
    }
    let mut col = Col::default();
    assert!(!col.direct(&Float64Array::from(vec![2.0, 2.5]), members));
    assert!(col.direct(&Float64Array::from(vec![2.0, 3.0]), members));
    assert_eq!(col.typed, Some(vec![2.0, 3.0]));
    assert!(!col.direct(&BooleanArray::from(vec![true]), members));
    assert!(col.typed.is_none());
    let flag = Direct {
        wants: Wants::Bool,
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    };
    assert!(col.direct(
        &BooleanArray::from(vec![Some(true), None, Some(false)]),
        flag
    ));
    assert_eq!(row(&col, 0).1, Some(1.0));
    assert_eq!(row(&col, 1).1, None);
    assert_eq!(row(&col, 2).1, Some(0.0));
}

#[test]
fn floats_are_their_shortest_exact_text_without_an_exponent() {
    for (v, text) in [
        (0.1, "0.1"),
        (2.0, "2"),
        (-0.0, "0"),
        (-3.0, "-3"),
        (1500000.5, "1500000.5"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "0.00000015"),
        (123.456, "123.456"),
        (-0.001, "-0.001"),
        (f64::NAN, "NaN"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        assert_eq!(f64_text(v), text, "{v}");
    }
    for v in [0.1f64, 1.0 / 3.0, 6.02e23, 1e-300, 12345.678e10, 2.5e15] {
        assert_eq!(f64_text(v).parse::<f64>().unwrap(), v, "{v}");
        assert!(!f64_text(v).contains('e'));
    }
    let mut out = Vec::new();
    write_f32(0.1, &mut out);
    assert_eq!(out, b"0.1");
}

#[test]
fn decimals_keep_every_digit_of_their_scale() {
    let text = |neg: bool, digits: &str, scale: i8| {
        let mut out = Vec::new();
        write_scaled(neg, digits.as_bytes(), scale, &mut out);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(text(false, "150000050", 2), "1500000.50");
    assert_eq!(text(true, "5", 3), "-0.005");
    assert_eq!(text(false, "0", 2), "0.00");
    assert_eq!(text(true, "0", 0), "0");
    assert_eq!(text(false, "12", -3), "12000");
    assert_eq!(text(false, "0", -3), "0");
}

#[test]
fn the_input_types_take_the_column_types_of_the_table() {
    assert!(accepts(Wants::Integer, Some(Kind::Float)));
    assert!(accepts(Wants::Bool, Some(Kind::Integer)));
    assert!(!accepts(Wants::Enum, Some(Kind::Integer)));
    assert!(!accepts(Wants::Id, Some(Kind::Float)));
    assert!(!accepts(Wants::Number, Some(Kind::Bool)));
    assert!(!accepts(Wants::Text, None));
    assert!(accepts(Wants::Enum, Some(Kind::Null)));
    assert_eq!(kind_of(&DataType::Date32), Some(Kind::Date));
    assert!(accepts(Wants::Date, Some(Kind::Date)));
    assert!(accepts(Wants::Text, Some(Kind::Date)));
    assert!(!accepts(Wants::Number, Some(Kind::Date)));
    assert!(!accepts(Wants::Date, Some(Kind::Integer)));
    assert_eq!(
        kind_of(&DataType::Time32(arrow_schema::TimeUnit::Second)),
        None
    );
    assert_eq!(type_words(&DataType::Date32), "date");
    assert_eq!(
        kind_of(&DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Utf8)
        )),
        Some(Kind::Text)
    );
}

/// A dictionary column of `entries` and `keys` (a `None` key: a null).
fn dictionary_col(entries: &[&str], keys: &[Option<i32>]) -> Col {
    use arrow_array::{DictionaryArray, StringArray};
    let keys = Int32Array::from(keys.to_vec());
    let values: Arc<dyn Array> = Arc::new(StringArray::from(entries.to_vec()));
    let array = DictionaryArray::<Int32Type>::try_new(keys, values).unwrap();
    let mut col = Col::default();
    assert!(col.share(&array));
    col
}

fn cells(col: &Col) -> Vec<(Vec<u8>, Option<f64>)> {
    cells::read_rows(std::slice::from_ref(col), col.rows())
        .into_iter()
        .map(|mut r| r.swap_remove(0))
        .collect()
}

#[test]
fn a_dictionary_entry_is_parsed_once_and_one_its_input_rejects_stays_text() {
    let entries = [" 3 ", "", "x", "7", "  ", "unused"];
    let keys = [
        Some(0),
        Some(2),
        None,
        Some(0),
        Some(1),
        Some(3),
        Some(4),
        Some(0),
    ];
    let mut col = dictionary_col(&entries, &keys);
    let mut seen: Vec<Vec<u8>> = Vec::new();
    assert!(col.dictionary_values(|raw| {
        seen.push(raw.to_vec());
        super::super::cell::parse_integer(raw).ok()
    }));
    // Each entry, trimmed, once; never an empty one.
    assert_eq!(seen, [&b"3"[..], b"x", b"7", b"unused"]);
    let got = cells(&col);
    let want: [(&[u8], Option<f64>); 8] = [
        (b" 3 ", Some(3.0)),
        (b"x", None),
        (b"", None),
        (b" 3 ", Some(3.0)),
        (b"", None),
        (b"7", Some(7.0)),
        (b"  ", None),
        (b" 3 ", Some(3.0)),
    ];
    for (r, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!((g.0.as_slice(), g.1), w, "row {r}");
    }
    assert_eq!(col.rows(), keys.len());
    assert_eq!(col.longest(0), "unused".len(), "the entries' longest text");
    let all: usize = entries.iter().map(|e| e.len()).sum();
    assert_eq!(col.longest(all), all, "their text end to end, when enough");
    assert_eq!(col.longest(all - 1), "unused".len());
    // The next batch's dictionary is another one: nothing is kept.
    let mut col2 = dictionary_col(&["7", "3"], &[Some(1), Some(0)]);
    assert!(col2.dictionary_values(|raw| super::super::cell::parse_integer(raw).ok()));
    let got: Vec<Option<f64>> = cells(&col2).into_iter().map(|c| c.1).collect();
    assert_eq!(got, [Some(3.0), Some(7.0)]);
    // A parser giving a value that is not finite: text.
    let mut col3 = dictionary_col(&["1e999"], &[Some(0)]);
    assert!(col3.dictionary_values(|_| Some(f64::INFINITY)));
    assert_eq!(cells(&col3)[0].1, None);
}

#[test]
fn a_dictionary_larger_than_its_batch_is_read_as_text() {
    let mut col = dictionary_col(&["1", "2", "3"], &[Some(2), Some(0)]);
    assert!(!col.dictionary_values(|_| Some(1.0)));
    assert!(col.typed.is_none());
    assert_eq!(cells(&col)[0], (b"3".to_vec(), None));
}

#[test]
fn a_dictionary_key_out_of_range_is_an_empty_cell_read_as_text() {
    // The keys of an array built unchecked: a key past the entries.
    let mut col = Col::default();
    let keys = Int32Array::from(vec![Some(0), Some(5), Some(-1)]);
    let values = BinaryArray::from(vec![&b"2"[..]]);
    col.dict = Some((keys, values));
    assert!(col.dictionary_values(|raw| super::super::cell::parse_integer(raw).ok()));
    assert_eq!(
        cells(&col),
        [
            (b"2".to_vec(), Some(2.0)),
            (Vec::new(), None),
            (Vec::new(), None)
        ]
    );
}

#[test]
fn released_batches_hold_no_buffer_of_theirs() {
    let ids = arrow_array::StringArray::from(vec![Some("H1"), None, Some("H3")]);
    let batch =
        RecordBatch::try_from_iter([("id", Arc::new(ids) as arrow_array::ArrayRef)]).unwrap();
    let text = batch.column(0).to_data().buffers()[1].clone();
    let mut columnar = Columnar::default();
    let mut col = Col::default();
    assert!(col.share(batch.column(0).as_ref()));
    columnar.cols.push(col);
    columnar.batches.push(batch);
    columnar.release();
    assert!(columnar.batches.is_empty());
    // Only this clone is left: the reader may read into it again.
    assert_eq!(text.strong_count(), 1);
}
