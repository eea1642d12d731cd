//! Every word of the report, in English and Bahasa Indonesia, from one
//! table ([`L`]); and the names of the default policy's tracks, statuses,
//! programs, indicators and reject codes ([`known`]).
//!
//! Indonesian follows the official BPS and Kemensos terms: *garis
//! kemiskinan* (poverty line), *pendapatan per kapita*, *miskin*, *hampir
//! miskin*, *rentan*, *bantuan darurat*, *pemberdayaan* (capacity
//! building), *perlindungan jangka panjang*; *P0, P1, P2* are BPS's
//! *persentase penduduk miskin*, *indeks kedalaman* and *indeks keparahan
//! kemiskinan*.

use crate::numfmt::locale::Lang;

macro_rules! labels {
    ($($name:ident: $en:literal, $id:literal;)*) => {
        /// A label of the report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum L { $($name,)* }

        impl L {
            /// Every label (tests).
            #[cfg(test)]
            pub(crate) const ALL: &'static [L] = &[$(L::$name,)*];

            /// The label in `lang`.
            pub(crate) fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((L::$name, Lang::En) => $en, (L::$name, Lang::Id) => $id,)*
                }
            }
        }
    };
}

labels! {
    Title: "Eligibility report", "Laporan penilaian kelayakan bantuan sosial";
    InputFile: "Input file", "Berkas data";
    Policy: "Policy", "Kebijakan";
    Version: "version", "versi";
    Fingerprint: "fingerprint", "sidik";
    AsOf: "Rules in force on", "Aturan yang berlaku per tanggal";
    MadeBy: "Made by", "Dibuat oleh";
    Totals: "Run totals", "Ringkasan proses";
    RowsRead: "Rows read", "Baris dibaca";
    Decided: "Decided", "Diputuskan";
    Rejected: "Rejected", "Ditolak";
    Households: "Households", "Rumah tangga";
    Persons: "Persons", "Jiwa";
    MonthlyTotal: "Monthly cost", "Biaya per bulan";
    OneOffTotal: "One-off cost", "Biaya sekali bayar";
    HouseholdsCapped: "Households whose amounts the monthly cap reduced", "Rumah tangga yang bantuannya dipotong batas bulanan";
    Costs: "Costs per program", "Biaya per program";
    Program: "Program", "Program";
    Granted: "Granted", "Diberikan";
    Deferred: "Deferred", "Ditunda";
    Capped: "Capped", "Dipotong batas";
    DeferredAmount: "Deferred amount", "Nilai yang ditunda";
    Sum: "Total", "Jumlah";
    TracksTitle: "Households and persons per track", "Rumah tangga dan jiwa menurut jalur bantuan";
    Track: "Track", "Jalur";
    Share: "Share of households", "Bagian rumah tangga";
    IncomeTitle: "Income status (per-capita income against the poverty line)", "Status pendapatan (pendapatan per kapita terhadap garis kemiskinan)";
    DeprivationTitle: "Multidimensional deprivation status", "Status kemiskinan multidimensi";
    Status: "Status", "Status";
    AfTitle: "Multidimensional poverty (Alkire–Foster)", "Kemiskinan multidimensi (Alkire–Foster)";
    CountedByPersons: "Ratios count persons.", "Rasio dihitung menurut jiwa.";
    CountedByHouseholds: "Ratios count households.", "Rasio dihitung menurut rumah tangga.";
    Population: "Population", "Populasi";
    HeadcountH: "Headcount ratio H", "Persentase penduduk miskin H";
    IntensityA: "Intensity A", "Intensitas A";
    AdjustedM0: "Adjusted headcount ratio M0", "Indeks kemiskinan multidimensi M0";
    VulnerableShare: "Vulnerable", "Rentan";
    SevereShare: "Severely poor", "Sangat miskin";
    Cutoff: "Poverty cut-off k", "Batas miskin k";
    ContributionTitle: "Contribution of each indicator to M0", "Sumbangan tiap indikator terhadap M0";
    Indicator: "Indicator", "Indikator";
    Weight: "Weight", "Bobot";
    Deprived: "Deprived", "Terdeprivasi";
    CensoredRatio: "Poor and deprived", "Miskin dan terdeprivasi";
    Contribution: "Contribution", "Sumbangan";
    FgtTitle: "Income poverty (Foster–Greer–Thorbecke)", "Kemiskinan pendapatan (Foster–Greer–Thorbecke)";
    WithPovertyLine: "Population with a poverty line", "Populasi dengan garis kemiskinan";
    IncomePoor: "Below the poverty line", "Di bawah garis kemiskinan";
    Fgt0: "FGT(0) headcount ratio P0", "P0 persentase penduduk miskin";
    Fgt1: "FGT(1) poverty gap index P1", "P1 indeks kedalaman kemiskinan";
    Fgt2: "FGT(2) squared poverty gap P2", "P2 indeks keparahan kemiskinan";
    ByTitle: "Figures by", "Angka menurut";
    Value: "Value", "Nilai";
    Rows: "Rows", "Baris";
    Funded: "Funded", "Didanai";
    Empty: "(empty)", "(kosong)";
    Ungrouped: "Rejected rows in no group (their cell could not be read)", "Baris ditolak tanpa kelompok (selnya tidak terbaca)";
    BudgetTitle: "Budget", "Anggaran";
    BudgetAmount: "Monthly budget", "Anggaran per bulan";
    Eligible: "Eligible households", "Rumah tangga layak";
    Waiting: "Waiting", "Menunggu";
    MonthlyUsed: "Used a month", "Terpakai per bulan";
    Remaining: "Left a month", "Sisa per bulan";
    NeededForWaiting: "Needed a month for those waiting", "Kebutuhan per bulan bagi yang menunggu";
    OneOffFunded: "One-off amounts of the funded", "Bantuan sekali bayar bagi yang didanai";
    CutOff: "Cut-off priority (last funded)", "Batas prioritas (terakhir didanai)";
    FirstWaiting: "Priority of the first waiting", "Prioritas pertama yang menunggu";
    EstimatedPopulation: "Estimated population", "Perkiraan populasi";
    WeightedBy: "every figure is weighted by the column", "setiap angka dibobot dengan kolom";
    FromSample: "from a sample of", "dari sampel";
    SampleRows: "Rows, rejects and the budget ranking count the rows of the file.", "Baris, penolakan dan peringkat anggaran menghitung baris berkas.";
    DecilesTitle: "Welfare deciles", "Desil kesejahteraan";
    RankedBy: "Households ranked by", "Rumah tangga diurutkan menurut";
    PoorestFirst: "poorest first; each group holds an equal share of the population counted in", "termiskin lebih dulu; setiap kelompok memuat bagian yang sama dari populasi yang dihitung dalam";
    CountedInPersons: "persons", "jiwa";
    CountedInHouseholds: "households", "rumah tangga";
    RankedWithin: "Ranked apart within each value of", "Diurutkan terpisah di setiap nilai";
    Decile: "Decile", "Desil";
    UpTo: "Up to (cut-point)", "Sampai (titik potong)";
    CutPointsWithin: "Cut-points within each value of", "Titik potong di setiap nilai";
    RejectsTitle: "Rejected rows by reason", "Baris ditolak menurut alasan";
    Reason: "Reason", "Alasan";
    Examples: "First rows", "Baris pertama";
    Line: "Line", "Baris ke";
    HouseholdId: "Household", "Rumah tangga";
    Column: "Column", "Kolom";
    Cell: "Cell", "Isi sel";
    NoRejects: "No row was rejected.", "Tidak ada baris yang ditolak.";
    CompareTitle: "Reform comparison", "Perbandingan perubahan kebijakan";
    Reform: "Reform", "Perubahan";
    Base: "Policy", "Kebijakan";
    Difference: "Difference", "Selisih";
    TransitionsTitle: "Households moving between tracks (rows: policy, columns: reform)", "Perpindahan rumah tangga antarjalur (baris: kebijakan, kolom: perubahan)";
    WinnersTitle: "Winners and losers by monthly change", "Yang naik dan turun menurut perubahan per bulan";
    MonthlyChange: "Monthly change", "Perubahan per bulan";
    Winners: "Households whose monthly total rises", "Rumah tangga yang bantuannya naik";
    Losers: "Households whose monthly total falls", "Rumah tangga yang bantuannya turun";
    CompareFootnote: "Every figure is that of the JSON summary of the same comparison (layak compare --summary). Money in whole units.", "Setiap angka sama dengan ringkasan JSON dari perbandingan yang sama (layak compare --summary). Uang dalam satuan bulat.";
    LetterTitle: "Decision on social assistance", "Surat keputusan bantuan sosial";
    LetterIntro: "This letter gives the decision on your household, the reasons for it, and when it will be reviewed. You may ask the officer to review it.", "Surat ini memuat keputusan atas rumah tangga Anda, alasannya, dan kapan keputusan ini ditinjau ulang. Anda dapat meminta petugas meninjaunya.";
    LetterHousehold: "Household", "Rumah tangga";
    LetterDate: "Date of decision", "Tanggal keputusan";
    ReviewDate: "Review date", "Tanggal tinjauan ulang";
    LetterGets: "Decision", "Keputusan";
    LetterNotGets: "Not given", "Tidak diberikan";
    Signatures: "Signatures", "Tanda tangan";
    SignHousehold: "Household representative", "Wakil rumah tangga";
    SignOfficer: "Officer", "Petugas";
    SignNameDate: "Name, signature and date", "Nama, tanda tangan dan tanggal";
    Footnote: "Every figure is that of the JSON summary of the same run (layak assess --summary). Money in whole units.", "Setiap angka sama dengan ringkasan JSON dari proses yang sama (layak assess --summary). Uang dalam satuan bulat.";
}

/// What kind of policy name [`known`] looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Track,
    IncomeStatus,
    DeprivationStatus,
    Program,
    Indicator,
    Reject,
}

/// (kind, id, English, Indonesian): the default policy's names and the
/// reject codes.
const KNOWN: &[(Kind, &str, &str, &str)] = &[
    (Kind::Track, "emergency", "Emergency", "Bantuan darurat"),
    (
        Kind::Track,
        "long_term_support",
        "Long-term support",
        "Perlindungan jangka panjang",
    ),
    (
        Kind::Track,
        "capacity_building",
        "Capacity building",
        "Pemberdayaan",
    ),
    (Kind::Track, "basic_needs", "Basic needs", "Kebutuhan dasar"),
    (
        Kind::Track,
        "not_eligible",
        "Not eligible",
        "Tidak memenuhi syarat",
    ),
    (Kind::IncomeStatus, "poor", "Poor", "Miskin"),
    (
        Kind::IncomeStatus,
        "near_poor",
        "Near poor",
        "Hampir miskin",
    ),
    (Kind::IncomeStatus, "not_poor", "Not poor", "Tidak miskin"),
    (
        Kind::DeprivationStatus,
        "none",
        "Not deprived",
        "Tidak terdeprivasi",
    ),
    (
        Kind::DeprivationStatus,
        "vulnerable",
        "Vulnerable",
        "Rentan",
    ),
    (Kind::DeprivationStatus, "poor", "Poor", "Miskin"),
    (
        Kind::DeprivationStatus,
        "severe",
        "Severely poor",
        "Sangat miskin",
    ),
    (
        Kind::Program,
        "emergency_relief",
        "Emergency relief (cash)",
        "Bantuan darurat (tunai)",
    ),
    (
        Kind::Program,
        "food_assistance",
        "Food assistance",
        "Bantuan pangan",
    ),
    (
        Kind::Program,
        "health_insurance_premium",
        "Health insurance premium (PBI-JKN)",
        "Bantuan iuran jaminan kesehatan (PBI-JKN)",
    ),
    (
        Kind::Program,
        "education_support",
        "Education support",
        "Bantuan pendidikan",
    ),
    (
        Kind::Program,
        "social_pension",
        "Social pension",
        "Bantuan sosial lansia dan penyandang disabilitas",
    ),
    (
        Kind::Program,
        "capacity_building",
        "Livelihood grant (capacity building)",
        "Bantuan modal usaha (pemberdayaan)",
    ),
    (Kind::Indicator, "food", "Food", "Kecukupan pangan"),
    (
        Kind::Indicator,
        "health_cover",
        "Health cover",
        "Jaminan kesehatan",
    ),
    (
        Kind::Indicator,
        "schooling",
        "Schooling",
        "Partisipasi sekolah",
    ),
    (
        Kind::Indicator,
        "head_education",
        "Head's education",
        "Pendidikan kepala rumah tangga",
    ),
    (Kind::Indicator, "crowding", "Crowding", "Kepadatan hunian"),
    (Kind::Indicator, "floor", "Floor", "Jenis lantai"),
    (
        Kind::Indicator,
        "water",
        "Drinking water",
        "Air minum layak",
    ),
    (
        Kind::Indicator,
        "sanitation",
        "Sanitation",
        "Sanitasi layak",
    ),
    (Kind::Indicator, "electricity", "Electricity", "Listrik"),
    (
        Kind::Indicator,
        "cooking_fuel",
        "Cooking fuel",
        "Bahan bakar memasak",
    ),
    (
        Kind::Reject,
        "field_count",
        "Wrong number of fields",
        "Jumlah kolom tidak sesuai",
    ),
    (
        Kind::Reject,
        "missing_required",
        "Required cell empty",
        "Isian wajib kosong",
    ),
    (
        Kind::Reject,
        "invalid_value",
        "Invalid value",
        "Nilai tidak sah",
    ),
    (
        Kind::Reject,
        "out_of_range",
        "Value out of range",
        "Nilai di luar batas",
    ),
    (
        Kind::Reject,
        "duplicate_id",
        "Household id repeated",
        "Nomor rumah tangga berulang",
    ),
    (
        Kind::Reject,
        "check_failed",
        "Consistency check failed",
        "Pemeriksaan konsistensi gagal",
    ),
    (
        Kind::Reject,
        "evaluation",
        "The policy could not decide",
        "Kebijakan tidak dapat memutuskan",
    ),
    (
        Kind::Reject,
        "field_too_long",
        "Cell too long",
        "Isian terlalu panjang",
    ),
    (
        Kind::Reject,
        "person_without_household",
        "Person without a household",
        "Anggota tanpa rumah tangga",
    ),
    (
        Kind::Reject,
        "household_without_persons",
        "Household without persons",
        "Rumah tangga tanpa anggota",
    ),
    (
        Kind::Reject,
        "no_matching_person",
        "No matching person",
        "Tidak ada anggota yang sesuai",
    ),
    (
        Kind::Reject,
        "several_matching_persons",
        "Several matching persons",
        "Lebih dari satu anggota yang sesuai",
    ),
    (
        Kind::Reject,
        "repeated_person_no",
        "Person number repeated",
        "Nomor anggota berulang",
    ),
    (
        Kind::Reject,
        "household_cells_differ",
        "Household cells differ between rows",
        "Isian rumah tangga berbeda antarbaris",
    ),
];

/// The name of a known policy id or reject code in `lang`.
pub(crate) fn known(kind: Kind, id: &str, lang: Lang) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(k, i, _, _)| *k == kind && *i == id)
        .map(|&(_, _, en, id)| match lang {
            Lang::En => en,
            Lang::Id => id,
        })
}

/// The name people read for a policy id: in English the policy's own name
/// (`policy_name`, when it has one), else the table's, else the id; in
/// Indonesian the table's, else the policy's, else the id (a policy loaded
/// in Indonesian names its programs itself: the caller prefers that name).
pub(crate) fn name_of(kind: Kind, id: &str, policy_name: Option<&str>, lang: Lang) -> String {
    let own = policy_name.filter(|n| !n.trim().is_empty());
    let table = known(kind, id, lang);
    let chosen = match lang {
        Lang::En => own.or(table),
        Lang::Id => table.or(own),
    };
    chosen.map_or_else(|| id.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RejectCode;

    #[test]
    fn every_label_has_both_languages() {
        for l in L::ALL {
            for lang in Lang::ALL {
                assert!(!l.text(lang).trim().is_empty(), "{l:?} {lang:?}");
            }
        }
        for (kind, id, en, ind) in KNOWN {
            assert!(!en.is_empty() && !ind.is_empty(), "{kind:?} {id}");
        }
    }

    #[test]
    fn every_reject_code_and_default_policy_name_is_known() {
        for code in RejectCode::ALL {
            assert!(
                known(Kind::Reject, code.as_str(), Lang::Id).is_some(),
                "{code}"
            );
        }
        let policy = crate::policy::Policy::default_policy(&Default::default()).unwrap();
        for p in &policy.programs {
            assert!(known(Kind::Program, &p.id, Lang::Id).is_some(), "{}", p.id);
        }
        for t in &policy.tracks {
            assert!(known(Kind::Track, &t.id, Lang::Id).is_some(), "{}", t.id);
        }
        for i in &policy.deprivation.as_ref().unwrap().indicators {
            assert!(
                known(Kind::Indicator, &i.id, Lang::Id).is_some(),
                "{}",
                i.id
            );
        }
        for s in crate::policy::DEPRIVATION_STATUSES {
            assert!(known(Kind::DeprivationStatus, s, Lang::Id).is_some(), "{s}");
        }
    }

    #[test]
    fn names_prefer_the_policy_in_english_and_the_table_in_indonesian() {
        let n = |id, own, lang| name_of(Kind::Program, id, own, lang);
        assert_eq!(n("food_assistance", Some("Food aid"), Lang::En), "Food aid");
        assert_eq!(
            n("food_assistance", Some("Food aid"), Lang::Id),
            "Bantuan pangan"
        );
        assert_eq!(n("cash", Some("Cash"), Lang::Id), "Cash");
        assert_eq!(n("cash", None, Lang::Id), "cash");
        assert_eq!(n("food_assistance", Some(" "), Lang::En), "Food assistance");
    }
}
