use super::*;

fn text(v: Value<'_>) -> (String, CellType) {
    let mut out = Vec::new();
    let ty = render(v, &mut out);
    (String::from_utf8(out).unwrap(), ty)
}

#[test]
fn numbers_are_their_shortest_exact_decimal() {
    for (f, want) in [
        (1_500_000.0, "1500000"),
        (0.1, "0.1"),
        (2.5, "2.5"),
        (-0.0, "0"),
        (-12.0, "-12"),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (1_500_000.5, "1500000.5"),
    ] {
        assert_eq!(text(Value::Float(f)), (want.to_string(), CellType::Number));
    }
    assert_eq!(text(Value::Int(-42)).0, "-42");
    assert_eq!(text(Value::Bool(true)).0, "true");
    assert_eq!(text(Value::Text("")).1, CellType::Empty);
}

#[test]
fn dates_read_as_iso_dates() {
    let date = |v, kind| {
        let d = ExcelDateTime::new(v, kind, false);
        let mut out = Vec::new();
        assert_eq!(render(Value::Date(&d), &mut out), CellType::Date);
        String::from_utf8(out).unwrap()
    };
    use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
    assert_eq!(date(45366.0, DateTime), "2024-03-15");
    assert_eq!(date(45366.5, DateTime), "2024-03-15 12:00:00");
    assert_eq!(date(0.25, DateTime), "06:00:00");
    assert_eq!(date(1.5, TimeDelta), "36:00:00");
    assert_eq!(
        text(Value::Iso("2024-03-15T08:30:00")).0,
        "2024-03-15 08:30:00"
    );
}

#[test]
fn a_reader_that_stops_without_saying_the_sheet_ended_is_an_error() {
    let (full_tx, full_rx) = sync_channel(2);
    let (empty_tx, _empty_rx) = sync_channel(2);
    let mut rows = SheetRows {
        name: "s.xlsx".into(),
        full: full_rx,
        empty: empty_tx,
        done: false,
        current: SheetBatch::default(),
        pos: 0,
    };
    let mut block = SheetBatch::default();
    block.next_row(2).push(b"A1", CellType::Text);
    block.active = true;
    full_tx.send(Ok(Some(block))).unwrap();
    drop(full_tx);
    let row = rows.next_row().unwrap().unwrap();
    assert_eq!((row.line, row.get(0)), (2, Some(&b"A1"[..])));
    let err = rows.next_row().unwrap_err().to_string();
    assert!(err.contains("stopped part way"), "{err}");
    // Said: the end.
    let (full_tx, full_rx) = sync_channel(2);
    rows.full = full_rx;
    rows.done = false;
    full_tx.send(Ok(None)).unwrap();
    drop(full_tx);
    assert!(rows.next_row().unwrap().is_none());
}

#[test]
fn errors_read_as_nothing_with_their_name() {
    assert_eq!(
        text(Value::Error(&CellErrorType::Div0)),
        (String::new(), CellType::Error("#DIV/0!"))
    );
}
