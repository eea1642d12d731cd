//! Matching a file's column names to a policy's inputs, for `layak profile
//! init` and the "did you mean" of missing columns: normalised names,
//! Indonesian/English synonyms, near spellings.

use super::*;

/// A column name as `layak profile init` compares it: lower case, the
/// group path dropped (everything up to the last `/`), every character but
/// letters and digits as `_`, no repeated or surrounding `_`.
///
/// ```
/// assert_eq!(layak::input::profile::normalise("hh/Jumlah ART"), "jumlah_art");
/// assert_eq!(layak::input::profile::normalise("group_x-Luas.Lantai"), "group_x_luas_lantai");
/// ```
pub fn normalise(name: &str) -> String {
    let name = name.rsplit('/').next().unwrap_or(name);
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_alphanumeric() { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Other names a survey gives the default policy's inputs: the Indonesian
/// words of BPS surveys (Susenas, Regsosek, DTKS: `art` is *anggota rumah
/// tangga*, a household member; `krt` is *kepala rumah tangga*, the head)
/// and common English ones. Compared after [`normalise`].
pub(super) const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "household_id",
        &[
            "id_rt",
            "idrt",
            "id_ruta",
            "kode_rt",
            "no_rt",
            "nomor_rt",
            "id_rumah_tangga",
            "hh_id",
            "hhid",
            "household",
            "id_keluarga",
            "no_kk",
        ],
    ),
    (
        "region",
        &[
            "wilayah",
            "kode_wilayah",
            "kab_kota",
            "kabupaten",
            "kabkota",
            "kode_kab",
            "kecamatan",
            "desa",
            "kelurahan",
            "provinsi",
            "district",
            "region_code",
        ],
    ),
    (
        "area",
        &[
            "daerah",
            "klasifikasi_daerah",
            "tipe_daerah",
            "kota_desa",
            "perkotaan_perdesaan",
            "urban_rural",
            "urban",
        ],
    ),
    (
        "members",
        &[
            "jumlah_art",
            "jml_art",
            "banyak_art",
            "anggota",
            "anggota_rumah_tangga",
            "jumlah_anggota",
            "hh_size",
            "size",
            "household_size",
        ],
    ),
    (
        "monthly_income",
        &[
            "pendapatan",
            "penghasilan",
            "pendapatan_bulanan",
            "penghasilan_bulanan",
            "pendapatan_sebulan",
            "penghasilan_sebulan",
            "pengeluaran",
            "pengeluaran_sebulan",
            "income",
            "monthly_total",
            "total_income",
        ],
    ),
    (
        "young_children",
        &[
            "balita",
            "jumlah_balita",
            "anak_0_6",
            "anak_balita",
            "children_0_6",
            "under_7",
        ],
    ),
    (
        "school_age_children",
        &[
            "anak_usia_sekolah",
            "anak_sekolah",
            "anak_7_18",
            "children_7_18",
        ],
    ),
    (
        "children_not_in_school",
        &[
            "anak_tidak_sekolah",
            "tidak_sekolah",
            "putus_sekolah",
            "not_in_school",
            "out_of_school",
        ],
    ),
    (
        "elderly",
        &[
            "lansia",
            "jumlah_lansia",
            "art_lansia",
            "elderly_60plus",
            "aged_60plus",
        ],
    ),
    (
        "disabled",
        &[
            "disabilitas",
            "penyandang_disabilitas",
            "jumlah_disabilitas",
            "difabel",
            "disability",
        ],
    ),
    (
        "working_age_able",
        &[
            "mampu_bekerja",
            "art_bekerja",
            "usia_kerja",
            "able_workers",
            "art_mampu_bekerja",
            "jumlah_art_bekerja",
            "workers",
        ],
    ),
    (
        "head_female",
        &[
            "krt_perempuan",
            "kepala_perempuan",
            "jk_krt",
            "jenis_kelamin_krt",
            "female_head",
        ],
    ),
    (
        "head_education",
        &[
            "pendidikan_krt",
            "ijazah_krt",
            "pendidikan_kepala",
            "pendidikan",
            "education",
        ],
    ),
    (
        "meals_per_day",
        &["frekuensi_makan", "makan_per_hari", "makan_sehari", "meals"],
    ),
    (
        "floor_area_m2",
        &["luas_lantai", "luas_lantai_m2", "floor_m2", "floor_area"],
    ),
    (
        "floor_material",
        &["jenis_lantai", "lantai", "bahan_lantai", "floor"],
    ),
    (
        "water_source",
        &["sumber_air", "sumber_air_minum", "air_minum", "water"],
    ),
    (
        "sanitation",
        &[
            "jamban",
            "fasilitas_bab",
            "tempat_bab",
            "sanitasi",
            "toilet",
        ],
    ),
    (
        "electricity",
        &["listrik", "penerangan", "sumber_penerangan"],
    ),
    (
        "cooking_fuel",
        &["bahan_bakar", "bahan_bakar_memasak", "bbm_masak", "fuel"],
    ),
    (
        "health_insurance",
        &[
            "jkn",
            "bpjs",
            "bpjs_kesehatan",
            "jaminan_kesehatan",
            "jkn_all",
            "insurance",
        ],
    ),
    (
        "shock",
        &[
            "guncangan",
            "jenis_guncangan",
            "bencana",
            "musibah",
            "shock_type",
        ],
    ),
    (
        "shock_months_ago",
        &[
            "bulan_guncangan",
            "lama_guncangan",
            "guncangan_bulan_lalu",
            "months_ago",
            "bulan_sejak_guncangan",
        ],
    ),
    (
        "home_damaged",
        &["rumah_rusak", "kerusakan_rumah", "home_damage"],
    ),
];

/// The column of `header` whose name ([`normalise`]d) is one of
/// `SYNONYMS`' names for input `input`.
pub fn synonym_column(input: &str, header: &[String]) -> Option<usize> {
    let (_, names) = SYNONYMS
        .iter()
        .find(|(i, _)| i.eq_ignore_ascii_case(input))?;
    names.iter().find_map(|n| {
        header
            .iter()
            .filter(|h| h.len() <= 200)
            .position(|h| normalise(h) == *n)
    })
}

/// How `layak profile init` found an input's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The same name once normalised (case, `_`/`-`/space, group path).
    Name,
    /// A synonym (`SYNONYMS`).
    Synonym,
    /// A near spelling.
    Spelling,
}

/// For each input of `policy`, the column of `header` it most likely is,
/// and how it was found; each column is given to one input at most (the
/// first to claim it, by the strongest kind of match).
pub fn match_columns(policy: &Policy, header: &[String]) -> Vec<Option<(usize, Match)>> {
    let normalised: Vec<String> = header
        .iter()
        .map(|h| {
            if h.len() <= 200 {
                normalise(h)
            } else {
                String::new()
            }
        })
        .collect();
    // With the group path kept: `shock/type` is `shock_type`.
    let full: Vec<String> = header
        .iter()
        .map(|h| {
            if h.len() <= 200 {
                normalise(&h.replace('/', "_"))
            } else {
                String::new()
            }
        })
        .collect();
    let is = |c: usize, name: &str| normalised[c] == name || full[c] == name;
    let mut found: Vec<Option<(usize, Match)>> = vec![None; policy.inputs.len()];
    let mut used = vec![false; header.len()];
    for kind in [Match::Name, Match::Synonym, Match::Spelling] {
        for (i, input) in policy.inputs.iter().enumerate() {
            if found[i].is_some() {
                continue;
            }
            let want = normalise(&input.name);
            let column = match kind {
                Match::Name => (0..header.len()).find(|&c| !used[c] && is(c, &want)),
                Match::Synonym => {
                    SYNONYMS
                        .iter()
                        .find(|(n, _)| *n == input.name)
                        .and_then(|(_, names)| {
                            names
                                .iter()
                                .find_map(|n| (0..header.len()).find(|&c| !used[c] && is(c, n)))
                        })
                }
                Match::Spelling => {
                    let free: Vec<&str> = (0..header.len())
                        .filter(|&c| !used[c])
                        .map(|c| normalised[c].as_str())
                        .collect();
                    crate::expr::suggest(&want, free)
                        .and_then(|s| (0..header.len()).find(|&c| !used[c] && normalised[c] == s))
                }
            };
            if let Some(c) = column {
                used[c] = true;
                found[i] = Some((c, kind));
            }
        }
    }
    found
}
