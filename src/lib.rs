#![warn(missing_docs)]
//! # stance
//!
//! Labels every sentence of a news article about international relations by the stance it
//! takes between the parties: **conciliatory**, **adversarial** or **analytical**.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`corpus`]: labelled CSV -> [`LabeledSentence`]s (and the [`Stance`] labels);
//!    [`input`]: articles, or rows of CSV / JSON Lines, -> [`input::Document`]s. Both read
//!    through the private `source` module: files or standard input under size caps, CSV line
//!    numbers as an editor shows them, encoding hints.
//! 2. [`segment`]: article text -> sentences with byte offsets.
//! 3. [`features`]: sentence -> sparse vector (stemmed n-grams with negation marking, stance
//!    lexicons, reporting-verb and quotation cues).
//! 4. [`model`]: multinomial logistic regression trained with linfa-logistic (started from
//!    the optimum that the private `warm_start` module finds on the sparse rows, which spares
//!    linfa's dense iterations), predicting with exported sparse weights; [`tune`]:
//!    cross-validation, hyperparameter search, and [`tune::settle`], which settles the
//!    settings as `stance train` does.
//! 5. [`context`]: each sentence is read with its neighbours in the same document, through
//!    tables of how labels follow one another (one for each way a sentence can open)
//!    counted from the training articles (kept only if cross-validation does not say it
//!    hurts).
//! 6. [`eval`] and [`report`]: scores and renderings; [`batch`]: streaming, parallel
//!    classification of many documents, and [`batch::classify_text`], all of the above
//!    for one text (what `examples/train_and_classify.rs` uses).
//!
//! Beside the stages: [`error`], the one error type, and [`terminal`], which makes text from
//! files safe to show (every stage's messages quote file names and sentences).
//!
//! ```
//! use stance::{Lexicons, LabeledSentence, Stance, StanceModel, TrainParams, FeatureConfig};
//!
//! let data = [
//!     ("The two ministers signed a trade agreement and pledged closer ties.", Stance::Conciliatory),
//!     ("Both sides welcomed the truce and agreed to resume talks.", Stance::Conciliatory),
//!     ("Beijing warned it would retaliate against the new tariffs.", Stance::Adversarial),
//!     ("The ministry accused Moscow of meddling and expelled two diplomats.", Stance::Adversarial),
//!     ("The visit will run from Tuesday to Thursday.", Stance::Analytical),
//!     ("Trade between the two countries reached $60 billion last year.", Stance::Analytical),
//! ];
//! let rows: Vec<LabeledSentence> = data
//!     .iter()
//!     .map(|&(text, label)| LabeledSentence::new(text, label))
//!     .collect();
//! let params = TrainParams {
//!     alpha: 0.1,
//!     features: FeatureConfig { min_df: 1, ..FeatureConfig::default() },
//!     ..TrainParams::default()
//! };
//! let model = StanceModel::train(&rows, &params, &Lexicons::builtin())?;
//! let prediction = model.predict("Officials warned of retaliation over the tariffs.");
//! assert_eq!(prediction.label, Stance::Adversarial);
//! # Ok::<(), stance::Error>(())
//! ```

pub mod batch;
pub mod context;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod features;
pub mod input;
pub mod model;
pub mod report;
pub mod segment;
mod source;
pub mod terminal;
pub mod tune;
mod warm_start;

pub use corpus::{LabeledSentence, Stance};
pub use error::{Error, Result};
pub use features::{FeatureConfig, Featurizer, Lexicons};
pub use model::{Prediction, Prior, StanceModel, TrainParams};

/// The model shipped in `models/stance.json`, as it was when the crate was built (empty if
/// none had been trained yet).
pub const BUILTIN_MODEL_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/default_model.json"));
