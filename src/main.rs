//! The `stance` command line: a thin layer over the library. It parses arguments, calls the
//! library, prints, and maps errors to exit codes (0 success, 1 runtime error, 2 usage error:
//! clap's, or the library's `Error::Usage`). Output to a closed pipe ends quietly with 0.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use stance::batch::{self, ClassifyOptions};
use stance::eval;
use stance::eval::Misclassified;
use stance::input::{
    Documents, InputFormat, is_standard_input, is_standard_output, output_is_input,
};
use stance::model::{check_replaceable, check_writable};
use stance::report::{self, ClassifyFormat, EvalFormat, Renderer};
use stance::terminal::{json_printable, one_line, printable};
use stance::tune;
use stance::{Error, FeatureConfig, Lexicons, Prior, Result, Stance, StanceModel, TrainParams};

/// How errors writing the output name it.
const STDOUT: &str = "<stdout>";

#[derive(Parser)]
#[command(
    version,
    about = "Label each sentence of international-relations news as conciliatory, adversarial or analytical"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Train a model from a labelled CSV (columns: text,label)
    Train(TrainArgs),
    /// Label every sentence of articles (files, directories of *.txt or of the --input format, `-` for stdin)
    Classify(ClassifyArgs),
    /// Score a model against a labelled CSV
    Evaluate(EvaluateArgs),
    /// Show a model's strongest features per label and its metadata
    Inspect(InspectArgs),
}

#[derive(clap::Args)]
struct ModelArg {
    /// Model file [default: $STANCE_MODEL, else the model built into this binary]
    #[arg(short, long)]
    model: Option<PathBuf>,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Labelled CSV with `text` and `label` columns (`-` for standard input)
    data: PathBuf,
    /// Where to write the model (written atomically)
    #[arg(short, long, default_value = "models/stance.json")]
    out: PathBuf,
    /// L2 penalty (linfa's alpha; larger = simpler model)
    #[arg(long, allow_negative_numbers = true)]
    alpha: Option<f32>,
    /// Iteration cap of linfa's optimiser, which starts from the sparse solver's optimum
    #[arg(long, allow_negative_numbers = true, value_parser = at_least::<1>)]
    max_iter: Option<usize>,
    /// Report stratified K-fold cross-validation before the final fit
    #[arg(long, allow_negative_numbers = true, value_name = "K", value_parser = at_least::<2>)]
    folds: Option<usize>,
    /// Search alpha, class prior and feature options by cross-validation (5 folds unless
    /// --folds is given), starting from the options given, and train with the best
    #[arg(long)]
    search: bool,
    /// Seed for fold assignment
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Class prior: keep the training mix, correct to balanced, or to the mix of news copy
    #[arg(long, value_enum)]
    prior: Option<PriorArg>,
    /// Longest word n-gram (1-3)
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u8).range(1..=3))]
    ngrams: Option<u8>,
    /// Keep at most this many n-gram features (chi-square selection)
    #[arg(long, allow_negative_numbers = true, value_parser = at_least::<1>)]
    max_features: Option<usize>,
    /// Minimum number of sentences an n-gram must occur in
    #[arg(long, allow_negative_numbers = true, value_parser = at_least::<1>)]
    min_df: Option<usize>,
    /// Memory budget (MiB) for the dense training matrix; caps features on large data
    #[arg(long, allow_negative_numbers = true, value_name = "MIB", value_parser = at_least::<1>)]
    dense_budget: Option<usize>,
    /// Turn off negation marking
    #[arg(long)]
    no_negation: bool,
    /// Turn off lexicon features
    #[arg(long)]
    no_lexicons: bool,
    /// Turn off reporting-verb, quotation and question features
    #[arg(long)]
    no_structure: bool,
    /// Turn off stemming
    #[arg(long)]
    no_stem: bool,
    /// Keep capitalised names as words instead of masking them as <ent>
    #[arg(long)]
    no_mask_names: bool,
    /// Mark words in background clauses (BG_) apart from main-clause words
    #[arg(long)]
    mark_background: bool,
    /// Weight of the cue block (lexicons, reporting verbs, quotes) against the n-grams
    #[arg(long, allow_negative_numbers = true)]
    cue_scale: Option<f32>,
    /// Read lexicons from this directory of *.txt files instead of the built-in ones
    #[arg(long, value_name = "DIR", conflicts_with = "no_lexicons")]
    lexicons: Option<PathBuf>,
    /// Do not learn document context (how labels follow one another in the data's
    /// documents); with --folds or --search it is kept only if it does not hurt
    #[arg(long)]
    no_context: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum PriorArg {
    Train,
    Balanced,
    /// The mix of international news: 45% adversarial, 38% analytical, 18% conciliatory
    News,
}

// The argument enums mirror the library's so that clap stays out of the library.
impl From<PriorArg> for Prior {
    fn from(p: PriorArg) -> Prior {
        match p {
            PriorArg::Train => Prior::Train,
            PriorArg::Balanced => Prior::Balanced,
            PriorArg::News => Prior::News,
        }
    }
}

#[derive(clap::Args)]
struct ClassifyArgs {
    #[command(flatten)]
    model: ModelArg,
    /// Output format
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// How to read inputs: whole text files, or one document per CSV row / JSON line
    #[arg(long, value_enum, default_value_t = InputArg::Text)]
    input: InputArg,
    /// Column holding the text with --input csv [default: text]
    #[arg(long)]
    text_column: Option<String>,
    /// Field holding the text with --input jsonl [default: text]
    #[arg(long)]
    text_field: Option<String>,
    /// Worker threads, 1 to 256 [default: $RAYON_NUM_THREADS, else all cores]
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    threads: Option<u16>,
    /// Show the features behind each label
    #[arg(long)]
    explain: bool,
    /// How many features --explain shows per sentence in jsonl (the table shows 3; csv has none)
    #[arg(
        long,
        allow_negative_numbers = true,
        default_value_t = 5,
        value_parser = at_least::<1>,
        requires = "explain"
    )]
    top: usize,
    /// Label sentences whose confidence is below P as `uncertain`
    #[arg(long, allow_negative_numbers = true, value_name = "P", value_parser = parse_probability)]
    min_confidence: Option<f32>,
    /// Label each sentence on its own, ignoring its neighbours in the same document
    #[arg(long)]
    no_context: bool,
    /// Input files or directories; `-` or nothing reads standard input
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum FormatArg {
    Table,
    Csv,
    Jsonl,
}

impl From<FormatArg> for ClassifyFormat {
    fn from(f: FormatArg) -> ClassifyFormat {
        match f {
            FormatArg::Table => ClassifyFormat::Table,
            FormatArg::Csv => ClassifyFormat::Csv,
            FormatArg::Jsonl => ClassifyFormat::Jsonl,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum InputArg {
    Text,
    Csv,
    Jsonl,
}

#[derive(clap::Args)]
struct EvaluateArgs {
    #[command(flatten)]
    model: ModelArg,
    /// Label each sentence on its own, ignoring its neighbours in the same document
    #[arg(long)]
    no_context: bool,
    /// Report format
    #[arg(long, value_enum, default_value_t = EvalFormatArg::Text)]
    format: EvalFormatArg,
    /// List up to N misclassified sentences
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "N",
        default_value_t = 0
    )]
    errors: usize,
    /// Labelled CSV with `text` and `label` columns (`-` for standard input)
    data: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum EvalFormatArg {
    Text,
    Json,
    Markdown,
}

impl From<EvalFormatArg> for EvalFormat {
    fn from(f: EvalFormatArg) -> EvalFormat {
        match f {
            EvalFormatArg::Text => EvalFormat::Text,
            EvalFormatArg::Json => EvalFormat::Json,
            EvalFormatArg::Markdown => EvalFormat::Markdown,
        }
    }
}

#[derive(clap::Args)]
struct InspectArgs {
    #[command(flatten)]
    model: ModelArg,
    /// Features shown per label
    #[arg(long, allow_negative_numbers = true, default_value_t = 15, value_parser = at_least::<1>)]
    top: usize,
}

/// A whole number of at least `MIN`: a usage error (exit 2, in clap's words) rather than a
/// library message that names a struct field.
fn at_least<const MIN: usize>(s: &str) -> std::result::Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if n >= MIN {
        Ok(n)
    } else {
        Err(format!("must be at least {MIN}"))
    }
}

fn parse_probability(s: &str) -> std::result::Result<f32, String> {
    let p: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not between 0 and 1"))
    }
}

/// `println!` for `train`'s report, which is best effort: the model file is what `train`
/// makes, so a closed or full standard output (`stance train ... | head -1`) must not stop
/// it, where `println!` would panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stdout(), "{}", printable(&line));
    }};
}

/// `eprintln!` without its panic when standard error cannot be written (`2>/dev/full`): the
/// exit code still tells. Notes quote file and column names, so the line goes through
/// [`printable`] as `say!`'s do: an escape sequence or a bidirectional override in a
/// name must not reach the terminal.
macro_rules! warn {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stderr(), "{}", printable(&line));
    }};
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help, version and usage errors, printed by clap. Help that cannot be written
        // (`stance help > /dev/full`) fails as every other command's output does; a closed
        // pipe (`stance help | head`) is a normal end.
        Err(e) => {
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
                _ => ExitCode::from(e.exit_code().clamp(0, 255) as u8),
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote file names and values, which may hold escape codes.
            warn!("error: {}", one_line(&e.to_string()));
            if e.is_usage() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Train(args) => train(args),
        Cmd::Classify(args) => classify(args),
        Cmd::Evaluate(args) => evaluate(args),
        Cmd::Inspect(args) => inspect(args),
    }
}

/// The model file `STANCE_MODEL` names, if it is set. An empty value counts as unset, as
/// shells make it easy to set one by mistake.
fn stance_model_env() -> Option<PathBuf> {
    std::env::var_os("STANCE_MODEL")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Most worker threads `classify` runs: tens of thousands used to abort the process, and
/// thousands spend their time waking one another (2,000 took 10 s for one sentence).
const MAX_THREADS: usize = 256;

/// The worker threads `RAYON_NUM_THREADS` asks for without `--threads` (0: all cores, as
/// rayon reads it). Read here, not left to rayon, because job scripts set it for other tools
/// and a value in the thousands made a one-line classify run for minutes.
fn threads_from_env() -> Result<usize> {
    let Some(value) = std::env::var_os("RAYON_NUM_THREADS").filter(|v| !v.is_empty()) else {
        return Ok(0);
    };
    match value.to_str().and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(n) if n <= MAX_THREADS => Ok(n),
        _ => Err(Error::Usage(format!(
            "the RAYON_NUM_THREADS environment variable is {}, but stance runs 1 to \
             {MAX_THREADS} worker threads (0 for all cores); pass --threads N to override it, \
             or unset it",
            one_line(&value.to_string_lossy())
        ))),
    }
}

/// Loads `--model`, else `$STANCE_MODEL`, else the built-in model. `data_on_stdin`: the
/// command reads its articles or rows from standard input, which a model named
/// `/dev/stdin` would use up first (the run labelled an empty document and exited 0).
fn load_model(arg: &ModelArg, data_on_stdin: bool) -> Result<StanceModel> {
    let (path, from_env) = match (&arg.model, stance_model_env()) {
        (Some(path), _) => (path.clone(), false),
        (None, Some(path)) => (path, true),
        (None, None) => return StanceModel::builtin(),
    };
    // `-` has its own message, from `StanceModel::load`.
    if data_on_stdin && is_standard_input(&path) && path.as_os_str() != "-" {
        return Err(Error::Usage(format!(
            "the model ({}) and the data both come from standard input, which can be read \
             only once; give the model's file, or name the data's files",
            path.display()
        )));
    }
    if is_standard_output(&path)
        || (is_standard_input(&path) && is_standard_output(Path::new("/dev/stdin")))
    {
        return Err(output_is_input(
            &path.display().to_string(),
            "the model file",
        ));
    }
    let model = StanceModel::load(&path);
    if !from_env {
        return model;
    }
    // Whatever is wrong with it, say where the path came from: a variable set in a shell
    // profile is easy to forget.
    model.map_err(|e| Error::Noted {
        source: Box::new(e),
        note: "the model path comes from the STANCE_MODEL environment variable".into(),
    })
}

/// Prints what `train` does while it settles its settings (see [`tune::settle`]).
fn print_step(step: tune::Step<'_>) {
    match step {
        tune::Step::SearchStarted { folds } => {
            say!("\nsearch ({folds}-fold cross-validated macro-F1):");
            say!("{}", report::SEARCH_HEADER);
        }
        tune::Step::Searched(row) => say!("{}", report::search_row(row)),
        tune::Step::Chosen(row) => say!("{}", report::search_best(row)),
        tune::Step::CrossValidated(cv) => say!(
            "\n{}-fold cross-validation: accuracy {:.4}, macro-F1 {:.4}",
            cv.folds,
            cv.accuracy,
            cv.macro_f1
        ),
        tune::Step::NoContext(tune::NoContext::SortedByLabel(sorted)) => {
            say!("context: none learned: {}", sorted.message())
        }
        tune::Step::NoContext(tune::NoContext::SplitDocuments(split)) => say!(
            "context: none learned: {}; a document's sentences must be consecutive rows, in \
             the article's order",
            split.describe()
        ),
        tune::Step::NoContext(tune::NoContext::TooFewSentences) => say!(
            "context: fewer than {} sentences in documents (rows sharing a value in a `{}` column); none learned",
            stance::context::MIN_CONTEXT_SENTENCES,
            stance::corpus::DOCUMENT_COLUMNS.join("`, `")
        ),
        tune::Step::ContextChecked(check) => say!(
            "context: cross-validated macro-F1 on the {} sentences with neighbours: {:.4} alone, {:.4} in context -> {}",
            check.sentences,
            check.macro_f1_alone,
            check.macro_f1_in_context,
            if check.keep() { "on" } else { "off" }
        ),
    }
}

fn train(args: TrainArgs) -> Result<()> {
    check_not_output(&args.data)?;
    check_writable(&args.out)?;
    check_replaceable(&args.out, &args.data)?;
    // Read once: the same bytes are parsed and fingerprinted.
    let (name, bytes) = stance::corpus::read_source(&args.data)?;
    let rows = stance::corpus::read_labelled_from(&bytes, &name)?;
    let lexicons = match &args.lexicons {
        Some(dir) => {
            check_lexicons_not_output(dir)?;
            Lexicons::from_dir(dir)?
        }
        None => Lexicons::builtin(),
    };
    let mut params = TrainParams::default();
    apply_overrides(&args, &mut params);
    params.check()?;
    // Checked before any cross-validation, so the error names the file.
    if let Some(message) = stance::corpus::too_few_labels(&rows) {
        return Err(Error::File {
            path: name,
            message,
        });
    }
    if let Some(note) = stance::corpus::predictions_note(&bytes, &name) {
        warn!("note: {}", one_line(&note));
    }
    for note in stance::corpus::repetition_notes(&name, &rows) {
        warn!("note: {note}");
    }
    let folds = args.folds.or(args.search.then_some(tune::SEARCH_FOLDS));
    if let Some(k) = folds {
        tune::check_folds(&rows, k, &name)?;
    }
    // Lexicons too large for the memory budget fail here, before any cross-validation.
    params.features_for_rows(rows.len(), &lexicons)?;
    say!("training data: {name}: {} sentences", rows.len());
    let counts = stance::corpus::label_counts(&rows);
    for label in Stance::ALL {
        say!("  {:<13} {}", label.as_str(), counts[label.index()]);
    }
    // A fit that fails on these rows (no words at all, the optimiser) is named after them.
    let in_file = |e: Error| match e {
        Error::Train(message) => Error::File {
            path: name.clone(),
            message: format!("training failed: {message}"),
        },
        e => e,
    };
    let given = params.clone();
    let tune::Settled {
        params,
        scores: cv_scores,
    } = tune::settle(&rows, &params, &lexicons, folds, args.search, print_step).map_err(in_file)?;
    // The search scores the n-gram cap --dense-budget allows on these rows; that is the
    // budget's doing, said by its own note below, not an option the search replaced.
    let budgeted = TrainParams {
        features: given.features_for_rows(rows.len(), &lexicons)?,
        ..given.clone()
    };
    if args.search {
        note_search_overrides(&args, &budgeted, &params);
    }
    let mut model = StanceModel::train(&rows, &params, &lexicons).map_err(in_file)?;
    // The note compares the fit's cap with the larger of the one asked for and the chosen.
    let asked = TrainParams {
        features: stance::features::FeatureConfig {
            max_features: params
                .features
                .max_features
                .max(given.features.max_features),
            ..params.features.clone()
        },
        ..params.clone()
    };
    for note in asked.budget_notes(rows.len(), model.featurizer()) {
        say!("note: {note}");
    }
    let info = model.info_mut();
    info.record_source(&args.data, &bytes);
    info.cross_validation = cv_scores;
    model.save(&args.out)?;
    say!(
        "\nwrote {} ({} features)",
        args.out.display(),
        model.featurizer().len()
    );
    say!("{}", where_the_model_is_used(&args.out));
    Ok(())
}

/// The hint after `train` on how to use the model it wrote to `out`. classify and evaluate
/// do not look for that file by themselves: without --model or STANCE_MODEL they use the
/// model built into the binary, which a user who has just trained their own would not
/// expect.
fn where_the_model_is_used(out: &Path) -> String {
    let without = match stance_model_env() {
        // The variable names another file, which classify and evaluate keep using.
        Some(current) if !stance::input::same_file(&current, out) => format!(
            "without --model, classify and evaluate use STANCE_MODEL, now {}",
            one_line(&current.display().to_string())
        ),
        Some(_) => "STANCE_MODEL names it already".to_string(),
        None => "without either, classify and evaluate use the model built into stance".into(),
    };
    format!(
        "use it with --model {0}, or STANCE_MODEL={0}; {without}",
        out.display()
    )
}

/// Whether two paths name one file: `sub/../m.json` and `m.json`, or a link and its target,
/// do. Paths that cannot be resolved (a file not there) are compared as written.
/// Says which options given on the command line `--search` replaced: it tries them, but keeps
/// whatever scores best, and a user who typed `--alpha 7` should not have to read the table
/// to find it was not used.
fn note_search_overrides(args: &TrainArgs, given: &TrainParams, chosen: &TrainParams) {
    // Whether each searched setting was given, in the order of `report::searched_settings`
    // (the array's length makes a setting added there fail to compile here).
    let typed: [(&str, bool); report::SEARCHED] = [
        ("--alpha", args.alpha.is_some()),
        ("--prior", args.prior.is_some()),
        ("--ngrams", args.ngrams.is_some()),
        ("--no-negation", args.no_negation),
        ("--cue-scale", args.cue_scale.is_some()),
        ("--max-features", args.max_features.is_some()),
    ];
    let values = report::searched_settings(given)
        .into_iter()
        .zip(report::searched_settings(chosen));
    let replaced: Vec<String> = typed
        .into_iter()
        .zip(values)
        .filter(|((_, given), ((_, was), (_, now)))| *given && was != now)
        .map(|((flag, _), ((_, was), (_, now)))| match flag {
            "--no-negation" => "--no-negation by negation marking".to_string(),
            _ => format!("{flag} {was} by {now}"),
        })
        .collect();
    if !replaced.is_empty() {
        warn!(
            "note: --search tried the options given and kept others that scored better: {}",
            replaced.join(", ")
        );
    }
}

fn apply_overrides(args: &TrainArgs, params: &mut TrainParams) {
    if let Some(a) = args.alpha {
        params.alpha = a;
    }
    if let Some(m) = args.max_iter {
        params.max_iter = m as u64;
    }
    if let Some(s) = args.seed {
        params.seed = s;
    }
    if let Some(b) = args.dense_budget {
        params.dense_budget_mib = b;
    }
    if args.no_context {
        params.context = false;
    }
    if let Some(p) = args.prior {
        params.prior = p.into();
    }
    let f: &mut FeatureConfig = &mut params.features;
    if let Some(n) = args.ngrams {
        f.ngram_max = n as usize;
    }
    if let Some(m) = args.max_features {
        f.max_features = m;
    }
    if let Some(m) = args.min_df {
        f.min_df = m;
    }
    f.negation &= !args.no_negation;
    f.lexicons &= !args.no_lexicons;
    f.structure &= !args.no_structure;
    f.stem &= !args.no_stem;
    f.mask_names &= !args.no_mask_names;
    f.mark_background |= args.mark_background;
    if let Some(c) = args.cue_scale {
        f.cue_scale = c;
    }
}

fn classify(args: ClassifyArgs) -> Result<()> {
    let reads_stdin = args.files.is_empty() || args.files.iter().any(|f| is_standard_input(f));
    let mut model = load_model(&args.model, reads_stdin)?;
    // Without files, articles come from standard input: say so, rather than wait silently.
    if reads_stdin && std::io::stdin().is_terminal() {
        warn!("reading articles from standard input; end with Ctrl-D, or name files to read");
    }
    if args.no_context {
        model = model.without_context();
    }
    let mut documents = Documents::open(&args.files, input_format(&args)?)?;
    let renderer = Renderer {
        format: args.format.into(),
        columns: documents.columns()?,
    };
    let options = ClassifyOptions {
        explain: args.explain.then_some(if args.format == FormatArg::Table {
            report::TABLE_EXPLANATIONS
        } else {
            args.top
        }),
        min_confidence: args.min_confidence,
    };
    let threads = match args.threads {
        Some(n) => usize::from(n),
        None => threads_from_env()?,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Param(format!("cannot start worker threads: {e}")))?;
    let bar = progress_bar();
    // Output leaves in chunks of a megabyte: fewer write calls than the default 8 KiB.
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let totals = pool.install(|| {
        batch::run(
            &model,
            &mut documents,
            &renderer,
            options,
            &mut out,
            STDOUT,
            |t| {
                if let Some(bar) = &bar {
                    bar.set_message(format!(
                        "{} documents, {} sentences",
                        t.documents, t.sentences
                    ));
                    bar.tick();
                }
            },
        )
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let totals = totals?;
    for note in documents.notes() {
        warn!("note: {note}");
    }
    for note in totals.notes(args.format.into(), &documents.unplaced_columns()) {
        warn!("note: {note}");
    }
    Ok(())
}

/// How `classify` reads its inputs. `--text-column` and `--text-field` belong to one input
/// format each; given with another (or empty) they would be ignored without a word.
fn input_format(args: &ClassifyArgs) -> Result<InputFormat> {
    let usage = |message: &str| Err(Error::Usage(message.into()));
    match (args.input, &args.text_column, &args.text_field) {
        (InputArg::Csv, _, Some(_)) | (InputArg::Text, _, Some(_)) => {
            usage("--text-field names the text's field of JSON Lines input; pass --input jsonl")
        }
        (InputArg::Jsonl, Some(_), _) | (InputArg::Text, Some(_), _) => {
            usage("--text-column names the text's column of CSV input; pass --input csv")
        }
        (_, Some(name), _) | (_, _, Some(name)) if name.trim().is_empty() => {
            usage("--text-column and --text-field need a name")
        }
        (InputArg::Text, None, None) => Ok(InputFormat::Text),
        (InputArg::Csv, column, _) => Ok(InputFormat::Csv {
            text_column: column.as_deref().unwrap_or("text").to_string(),
        }),
        (InputArg::Jsonl, _, field) => Ok(InputFormat::Jsonl {
            text_field: field.as_deref().unwrap_or("text").to_string(),
        }),
    }
}

/// A spinner with running counts on stderr, only when stderr is a terminal and the output
/// goes elsewhere: on a terminal, the output shows the progress itself, and the spinner's
/// line would be left among its rows.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || std::io::stdout().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

fn evaluate(args: EvaluateArgs) -> Result<()> {
    check_not_output(&args.data)?;
    let mut model = load_model(&args.model, is_standard_input(&args.data))?;
    if args.no_context {
        model = model.without_context();
    }
    let (name, bytes) = stance::corpus::read_source(&args.data)?;
    let rows = stance::corpus::read_labelled_from(&bytes, &name)?;
    for note in eval::caveats(&model, &rows, &bytes, &name) {
        warn!("note: {note}");
    }
    let predictions = model.predict_rows(&rows);
    let evaluation = eval::evaluate_rows(&rows, &predictions);
    if let Some(note) = eval::absent_label_note(&evaluation, &name) {
        warn!("note: {note}");
    }
    let errors = Misclassified::first(&rows, &predictions, args.errors);
    let format = args.format.into();
    let text = report::evaluation(&evaluation, &errors, &name, format);
    // JSON keeps its strings: what a terminal would act on is escaped, not replaced.
    let shown = if format == report::EvalFormat::Json {
        json_printable(&text)
    } else {
        printable(&text)
    };
    write_stdout(shown.as_bytes())
}

/// Refuses labelled data that standard output is appended to (`evaluate d.csv >> d.csv`, or
/// `< d.csv >> d.csv`): the report used to be added to the data, which then failed to read.
fn check_not_output(data: &Path) -> Result<()> {
    let read = if is_standard_input(data) {
        Path::new("/dev/stdin")
    } else {
        data
    };
    if is_standard_output(read) {
        return Err(output_is_input(
            &data.display().to_string(),
            "the labelled data",
        ));
    }
    Ok(())
}

/// Refuses a lexicon directory one of whose files standard output is appended to
/// (`--lexicons lex >> lex/notes.txt`): the training report would become lexicon entries.
fn check_lexicons_not_output(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(()); // `Lexicons::from_dir` says what is wrong with it.
    };
    for path in entries.flatten().map(|e| e.path()) {
        let txt = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
        if txt && is_standard_output(&path) {
            return Err(output_is_input(
                &path.display().to_string(),
                "a lexicon file",
            ));
        }
    }
    Ok(())
}

fn inspect(args: InspectArgs) -> Result<()> {
    let model = load_model(&args.model, false)?;
    let text = report::inspection(&model, args.top);
    write_stdout(printable(&text).as_bytes())
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|e| Error::io(STDOUT, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn probabilities_are_checked() {
        assert_eq!(parse_probability("0.6"), Ok(0.6));
        assert!(parse_probability("1.5").is_err());
        assert!(parse_probability("x").is_err());
    }
}
