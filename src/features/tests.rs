//! Tests of the feature extractor, in the order of its files: `words.rs`, `lexicons.rs`,
//! `analyzer.rs`, `index.rs`, then fitting and the saved spec (`mod.rs`).

use super::analyzer::{log_count, sublinear_tf};
use super::index::{ngram_key, remap_ngram_key};
use super::words::{LatinWords, is_fast_alphabet, unify_marks_into};
use super::*;
use unicode_segmentation::UnicodeSegmentation;

// --- Helpers ---

fn fit(texts: &[&str], config: FeatureConfig) -> Featurizer {
    let labels: Vec<Stance> = (0..texts.len()).map(|i| Stance::ALL[i % 3]).collect();
    Featurizer::fit(&config, &Lexicons::builtin(), texts, &labels).unwrap()
}

fn names(f: &Featurizer, text: &str) -> Vec<String> {
    f.transform(text)
        .into_iter()
        .map(|(i, _)| f.feature_names()[i as usize].clone())
        .collect()
}

fn min_df_one() -> FeatureConfig {
    FeatureConfig {
        min_df: 1,
        ..FeatureConfig::default()
    }
}

fn fixture() -> Featurizer {
    fit(
        &[
            "The ministers agreed to resume talks, officials said.",
            "Beijing warned it would not accept the terms.",
            "The visit will run from Tuesday to Thursday in 2024.",
        ],
        min_df_one(),
    )
}

// --- words.rs: word boundaries, marks, stemming ---

proptest::proptest! {
    #[test]
    fn word_bounds_match_unicode_segmentation(
        text in "[a-c0-2 .,;:'_\\-!?\"]{0,40}|[a-cé0-1 .,:'—ŁÀ-ÿ]{0,30}|[a-b\u{C0}-\u{24F} '.]{0,20}"
    ) {
        let not_space = |w: &&str| !w.chars().all(char::is_whitespace);
        let ours: Vec<&str> = word_bounds(&text).filter(not_space).collect();
        let general: Vec<&str> = text.split_word_bounds().filter(not_space).collect();
        proptest::prop_assert_eq!(ours, general);
    }
}

/// Every non-ASCII character the fast path takes, in every position that matters to the
/// joining rules, segments as `unicode-segmentation` does.
#[test]
fn fast_alphabet_segments_like_unicode_segmentation() {
    let not_space = |w: &&str| !w.chars().all(char::is_whitespace);
    let extra = ('\u{C0}'..='\u{24F}').chain(['—']);
    let mut checked = 0;
    for c in extra.filter(|c| is_fast_alphabet(&c.to_string())) {
        for text in [
            format!("{c}"),
            format!("a{c}b"),
            format!("l'{c}t {c}.b x{c}:{c} 1{c}2 {c}'s"),
            format!("—{c}—a—1.{c} ({c}) {c}{c}_9"),
        ] {
            let fast: Vec<&str> = LatinWords {
                text: &text,
                pos: 0,
            }
            .collect();
            let general: Vec<&str> = text.split_word_bounds().filter(not_space).collect();
            assert_eq!(fast, general, "{text:?}");
        }
        checked += 1;
    }
    // U+00C0 to U+024F is 400 characters, less × and ÷, plus the em dash.
    assert_eq!(checked, 399);
}

#[test]
fn unifies_quotes_and_dashes() {
    let unify = |text: &str| {
        let mut out = String::new();
        unify_marks_into(text, &mut out);
        out
    };
    assert_eq!(unify("“Oui” – ‘Non’ — OK"), "\"Oui\" — 'Non' — OK");
    assert_eq!(unify("`Yes' NO"), "'Yes' NO");
}

#[test]
fn stems_and_maps_numbers() {
    let f = fit(
        &["Officials warned in 2019 that 1,500 troops were warning."],
        min_df_one(),
    );
    let got = names(&f, "They warned of 30 ships in 2020.");
    assert!(got.contains(&"warn".to_string()), "{got:?}");
    assert!(got.contains(&"<num>".to_string()), "{got:?}");
    assert!(got.contains(&"<year>".to_string()), "{got:?}");
}

// --- lexicons.rs ---

#[test]
fn an_entry_written_twice_or_stemming_alike_counts_once() {
    let lexicons = |hostility: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hostility.txt"), hostility).unwrap();
        std::fs::write(dir.path().join("cooperation.txt"), "agree\n").unwrap();
        Lexicons::from_dir(dir.path()).unwrap()
    };
    let once = lexicons("\u{FEFF}warn\nthreat\n");
    let repeated = lexicons("warn\nWarn\n warn\nwarning\nthreat\nthreat\n");
    assert_eq!(repeated.groups["hostility"], ["warn", "warning", "threat"]);
    // A byte-order mark before the first entry is not part of it.
    assert_eq!(once.groups["hostility"], ["warn", "threat"]);
    let texts = ["The minister warned Tehran.", "Both sides agreed."];
    let labels = [Stance::Adversarial, Stance::Conciliatory];
    let cue = |lexicons: &Lexicons| {
        let f = Featurizer::fit(&min_df_one(), lexicons, &texts, &labels).unwrap();
        let id = f.feature_names().iter().position(|n| n == "#lex:hostility");
        let x = f.transform(texts[0]);
        let value = x.iter().find(|(i, _)| Some(*i as usize) == id).unwrap().1;
        let hits: Vec<String> = names(&f, texts[0])
            .into_iter()
            .filter(|n| n.starts_with("@hostility"))
            .collect();
        (value, hits)
    };
    // "warned" is one hit of `warn`, however often (and in whatever form) the lexicon
    // lists it.
    assert_eq!(cue(&repeated), cue(&once));
    assert_eq!(cue(&once).1, ["@hostility:warn"]);
}

/// A lexicon entry inside a longer matched entry is part of that phrase: "de-escalate" fired
/// `@hostility:escalate` too (listed by --explain as a reason for conciliatory), "cut ties"
/// fired `@cooperation:ties`, "held talks" counted `held` as a second analysis cue.
#[test]
fn lexicon_matches_inside_longer_ones_do_not_count() {
    let texts = [
        "Both sides agreed to de-escalate along the border.",
        "Seoul moved to cut ties with the regime.",
        "The ministers held talks in Geneva.",
        "Moscow threatened to escalate the conflict.",
    ];
    let labels = [
        Stance::Conciliatory,
        Stance::Adversarial,
        Stance::Analytical,
        Stance::Adversarial,
    ];
    let f = Featurizer::fit(&min_df_one(), &Lexicons::builtin(), &texts, &labels).unwrap();
    let hits = |text: &str| -> Vec<String> {
        names(&f, text)
            .into_iter()
            .filter(|n| n.starts_with('@'))
            .collect()
    };
    assert_eq!(
        hits(texts[0]),
        ["@cooperation:agree", "@cooperation:de-escalate"]
    );
    assert_eq!(hits(texts[1]), ["@hostility:cut ties"]);
    let held = hits(texts[2]);
    assert!(
        held.contains(&"@analysis:held talks".to_string()),
        "{held:?}"
    );
    assert!(
        !held
            .iter()
            .any(|h| h == "@analysis:held" || h == "@cooperation:talks"),
        "{held:?}"
    );
    // The shorter entry on its own still counts.
    assert!(hits(texts[3]).contains(&"@hostility:escalate".to_string()));
}

#[test]
fn a_lexicon_directory_without_entries_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hostility.txt"), "# nothing yet\n\n").unwrap();
    std::fs::write(dir.path().join("cooperation.txt"), "").unwrap();
    let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("hold no entries"), "{err}");
    std::fs::write(dir.path().join("cooperation.txt"), "agree\n").unwrap();
    assert!(Lexicons::from_dir(dir.path()).is_ok());
    // A named pipe called `*.txt` is skipped: opening it would wait for a writer.
    #[cfg(unix)]
    {
        let fifo = dir.path().join("notes.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let lexicons = Lexicons::from_dir(dir.path()).unwrap();
            assert!(!lexicons.groups.contains_key("notes"));
        }
    }
}

#[test]
fn lexicon_files_that_are_not_utf8_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hostility.txt"),
        b"warn\naccuse\nd\xe9noncer\n",
    )
    .unwrap();
    let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("hostility.txt: line 3: not valid UTF-8"),
        "{err}"
    );
}

/// An entry of punctuation alone was stored in the model and could never fire; entries with
/// a letter or digit anywhere (`g-7`, `9/11`, `à`) and comments stay.
#[test]
fn lexicon_entries_without_a_word_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostility.txt");
    std::fs::write(&path, "# threats\nwarn\ng-7\n9/11\nà\n").unwrap();
    assert!(Lexicons::from_dir(dir.path()).is_ok());
    std::fs::write(&path, "warn\n\n  !!!  \naccuse\n").unwrap();
    let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("hostility.txt: line 3: the entry \"!!!\" holds no letter or digit"),
        "{err}"
    );
}

/// `HOSTILITY.TXT` was skipped ("no *.txt lexicon files found"), and `x:sub.txt` beside
/// `x.txt` made two lexicons share the feature `#lex:x:sub` without a word.
#[test]
fn lexicon_file_names_any_case_extension_and_no_odd_characters() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("HOSTILITY.TXT"), "war\n").unwrap();
    // A directory name pasted with a trailing space is shown quoted, as missing files are.
    let padded = std::path::PathBuf::from(format!("{} ", dir.path().display()));
    let err = Lexicons::from_dir(&padded).unwrap_err().to_string();
    assert!(
        err.contains(&format!("{:?}", padded.display().to_string())),
        "{err}"
    );
    let lexicons = Lexicons::from_dir(dir.path()).unwrap();
    assert_eq!(lexicons.groups["HOSTILITY"], ["war"]);
    // Spaces, dots and accents are fine in a name.
    std::fs::write(dir.path().join("my lexicon.v2.txt"), "truce\n").unwrap();
    std::fs::write(dir.path().join("análisis.txt"), "datos\n").unwrap();
    let lexicons = Lexicons::from_dir(dir.path()).unwrap();
    assert_eq!(lexicons.groups["my lexicon.v2"], ["truce"]);
    assert_eq!(lexicons.groups["análisis"], ["datos"]);
    // Two files of one name, whatever the case of `.txt`: one used to replace the other.
    std::fs::write(dir.path().join("HOSTILITY.txt"), "peace\n").unwrap();
    let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("names the same lexicon as"), "{err}");
    std::fs::remove_file(dir.path().join("HOSTILITY.txt")).unwrap();
    std::fs::write(dir.path().join("x:sub.txt"), "peace\n").unwrap();
    let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("x:sub.txt: a lexicon's file name may not hold `:`"),
        "{err}"
    );
}

// --- analyzer.rs: clause scopes, cues, the vector ---

#[test]
fn marks_negation_until_clause_boundary() {
    let f = fit(
        &["Beijing will not accept the terms, the minister said."],
        min_df_one(),
    );
    let got = names(&f, "Beijing will not accept the terms, the minister said.");
    assert!(got.contains(&"NOT_accept".to_string()), "{got:?}");
    assert!(got.contains(&"minist".to_string()), "{got:?}");
    assert!(!got.contains(&"NOT_minist".to_string()), "{got:?}");
    assert!(
        got.contains(&"#lex:cooperation:neg".to_string())
            || !got.iter().any(|g| g.starts_with("#lex:cooperation")),
        "{got:?}"
    );
}

#[test]
fn background_clause_words_are_marked() {
    let text = "Beijing praised the talks, a day after Washington warned of tariffs.";
    let f = fit(
        &[text],
        FeatureConfig {
            mark_background: true,
            ..min_df_one()
        },
    );
    let got = names(&f, text);
    assert!(got.contains(&"BG_warn".to_string()), "{got:?}");
    assert!(got.contains(&"prais".to_string()), "{got:?}");
    assert!(!got.contains(&"warn".to_string()), "{got:?}");
    let off = fit(
        &[text],
        FeatureConfig {
            mark_background: false,
            ..min_df_one()
        },
    );
    assert!(!names(&off, text).contains(&"BG_warn".to_string()));
    assert!(names(&off, text).contains(&"warn".to_string()));
}

#[test]
fn ruled_out_and_contractions_negate() {
    let f = fit(
        &["Tokyo ruled out talks and won't resume dialogue."],
        min_df_one(),
    );
    let got = names(&f, "Tokyo ruled out talks and won't resume dialogue.");
    assert!(got.contains(&"NOT_talk".to_string()), "{got:?}");
    assert!(got.contains(&"NOT_resum".to_string()), "{got:?}");
}

#[test]
fn lexicon_hits_are_split_by_clause_context() {
    let text = "The envoy praised the agreement a day after Washington warned Beijing.";
    let f = fit(&[text], min_df_one());
    let got = names(&f, text);
    for want in [
        "#lex:cooperation",
        "#lex:hostility:sub",
        "@cooperation:agreement",
        "#verb:appeal",
    ] {
        assert!(got.contains(&want.to_string()), "missing {want}: {got:?}");
    }
    assert!(!got.contains(&"#lex:hostility".to_string()), "{got:?}");
}

#[test]
fn quotes_and_questions() {
    let text = "“Who is the real hacker here?”";
    let f = fit(&[text], min_df_one());
    let got = names(&f, text);
    for want in ["#quote", "#startquote", "#question"] {
        assert!(got.contains(&want.to_string()), "missing {want}: {got:?}");
    }
}

#[test]
fn possessive_apostrophe_is_not_a_quote() {
    let plain = "Officials of the Workers’ party met the envoys' staff on Monday.";
    let quoted = "Officials said the talks were ‘a waste of time’ on Monday.";
    let f = fit(&[plain, quoted], min_df_one());
    assert!(
        !names(&f, plain).contains(&"#quote".to_string()),
        "{:?}",
        names(&f, plain)
    );
    assert!(
        names(&f, quoted).contains(&"#quote".to_string()),
        "{:?}",
        names(&f, quoted)
    );
}

#[test]
fn groups_can_be_switched_off() {
    let text = "The envoy praised the agreement, but Washington warned Beijing?";
    let config = FeatureConfig {
        lexicons: false,
        structure: false,
        ngram_max: 1,
        ..min_df_one()
    };
    let f = fit(&[text], config);
    assert!(
        f.feature_names()
            .iter()
            .all(|n| !n.starts_with('#') && !n.starts_with('@') && !n.contains(' '))
    );
}

#[test]
fn ngram_block_is_l2_normalised_without_duplicates() {
    let texts = [
        "Ministers agreed a deal.",
        "Ministers warned again.",
        "Figures rose.",
    ];
    let f = fit(
        &texts,
        FeatureConfig {
            lexicons: false,
            structure: false,
            ..min_df_one()
        },
    );
    let v = f.transform("Ministers agreed a deal.");
    let norm: f32 = v.iter().map(|(_, x)| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    let mut ids: Vec<u32> = v.iter().map(|(i, _)| *i).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), v.len());
}

proptest::proptest! {
    /// Any text gives a finite, duplicate-free vector whose n-gram block has norm 1
    /// (or is empty).
    #[test]
    fn any_text_gives_a_valid_vector(text in "\\PC{0,120}|[a-z ,.'\"]{0,120}") {
        let f = fixture();
        let v = f.transform(&text);
        let mut ids: Vec<u32> = v.iter().map(|(i, _)| *i).collect();
        ids.sort_unstable();
        proptest::prop_assert!(ids.windows(2).all(|w| w[0] < w[1]), "duplicate index");
        proptest::prop_assert!(v.iter().all(|(i, x)| x.is_finite() && (*i as usize) < f.len()));
        let norm: f32 = v.iter()
            .filter(|(i, _)| !is_cue(&f.feature_names()[*i as usize]))
            .map(|(_, x)| x * x)
            .sum();
        proptest::prop_assert!(norm == 0.0 || (norm - 1.0).abs() < 1e-4, "{}", norm);
    }
}

#[test]
fn log_fast_paths_match_the_functions() {
    for c in 1..=6 {
        let c = c as f32;
        assert!((sublinear_tf(c) - (1.0 + c.ln())).abs() < 1e-6);
        assert!((log_count(c) - c.ln_1p()).abs() < 1e-6);
    }
    assert!((log_count(0.5) - 0.5f32.ln_1p()).abs() < 1e-6);
}

#[test]
fn unknown_text_gives_no_ngram_features() {
    let f = fit(&["Ministers agreed."], min_df_one());
    assert!(f.transform("Zzz qqq.").is_empty());
    assert!(f.transform("").is_empty());
}

// --- index.rs: n-gram keys ---

#[test]
fn ngram_keys_round_trip_through_renumbering() {
    for ids in [&[7u32][..], &[1, 2], &[(1 << 20) - 1, 3, (1 << 20) - 1]] {
        let key = ngram_key(ids);
        assert_eq!(remap_ngram_key(key, |id| id), key);
        let halved: Vec<u32> = ids.iter().map(|id| id / 2).collect();
        assert_eq!(remap_ngram_key(key, |id| id / 2), ngram_key(&halved));
    }
    // The length keeps n-grams of different lengths apart: (0, 5) is not (5).
    assert_ne!(ngram_key(&[0, 5]), ngram_key(&[5]));
}

#[test]
fn trigram_features_survive_renumbering() {
    let texts = [
        "Officials told a news conference on Monday.",
        "The minister told a news conference the talks failed.",
        "He told a news conference that aid would flow.",
        "Analysts said the move was expected.",
    ];
    let config = FeatureConfig {
        ngram_max: 3,
        ..min_df_one()
    };
    let f = fit(&texts, config);
    let names = f.feature_names();
    let got: Vec<&str> = f
        .transform(texts[0])
        .iter()
        .map(|&(i, _)| names[i as usize].as_str())
        .collect();
    assert!(got.contains(&"told a news"), "{got:?}");
    assert!(got.contains(&"a news confer"), "{got:?}");
}

// --- mod.rs: fitting and the saved spec ---

#[test]
fn fitting_without_any_word_ngram_is_an_error() {
    let texts = ["Talks resumed today.", "Talks stalled today.", "\u{1F600}"];
    let labels = [
        Stance::Conciliatory,
        Stance::Adversarial,
        Stance::Analytical,
    ];
    let fit = |min_df, texts: &[&str]| {
        let config = FeatureConfig {
            min_df,
            ..FeatureConfig::default()
        };
        let labels = &labels[..texts.len()];
        Featurizer::fit(&config, &Lexicons::builtin(), texts, labels)
    };
    assert!(fit(2, &texts).is_ok());
    // "talk" and "today" occur in two sentences, nothing in three: the cues alone are
    // left, which is an error rather than a weak model.
    let err = fit(3, &texts).err().unwrap().to_string();
    assert!(
        err.contains("at least 3 training sentences (the most frequent occurs in 2)"),
        "{err}"
    );
    let err = fit(1, &texts[2..]).err().unwrap().to_string();
    assert!(err.contains("hold no words"), "{err}");
}

#[test]
fn min_df_and_cap_limit_the_vocabulary() {
    let texts = ["alpha beta", "alpha gamma", "alpha delta"];
    let f = fit(
        &texts,
        FeatureConfig {
            lexicons: false,
            structure: false,
            ..FeatureConfig::default()
        },
    );
    assert_eq!(f.feature_names(), &["alpha".to_string()]);
    let capped = fit(
        &texts,
        FeatureConfig {
            max_features: 2,
            lexicons: false,
            structure: false,
            ..min_df_one()
        },
    );
    assert_eq!(capped.len(), 2);
}

#[test]
fn spec_round_trip_gives_same_vectors() {
    let texts = [
        "The minister welcomed the accord.",
        "Rebels shelled the town, officials said.",
    ];
    let f = fit(&texts, min_df_one());
    let g = Featurizer::from_spec(f.spec().clone()).unwrap();
    for t in texts {
        assert_eq!(f.transform(t), g.transform(t));
    }
}

#[test]
fn pruning_keeps_cues_and_the_frequent_ngrams() {
    let mut counts: FxHashMap<String, [u32; 3]> = FxHashMap::default();
    for i in 0..MAX_COUNTED {
        counts.insert(format!("rare{i}"), [1, 0, 0]);
    }
    for i in 0..5 {
        counts.insert(format!("common{i}"), [1, 1, 1]);
    }
    counts.insert("@hostility:warn".into(), [0, 1, 0]);
    counts.insert("twice".into(), [1, 1, 0]);
    prune_counts(&mut counts);
    // Seen once: dropped; the cue stays whatever its count, and so does all seen twice or more.
    let mut kept: Vec<&str> = counts.keys().map(String::as_str).collect();
    kept.sort_unstable();
    assert_eq!(
        kept,
        [
            "@hostility:warn",
            "common0",
            "common1",
            "common2",
            "common3",
            "common4",
            "twice"
        ]
    );
}
