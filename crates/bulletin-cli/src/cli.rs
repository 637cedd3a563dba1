//! The command line as clap sees it. Each command validates these raw arguments once into its
//! own plain config struct; nothing below the command modules sees a clap type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The most worker threads `--threads` accepts: far more than any machine's cores, few enough that
/// starting them costs milliseconds (`--threads 100000` used to run for minutes on a tiny page).
pub const MAX_THREADS: u64 = 256;

/// Tag the pieces of Chinese high-tech-zone news bulletins with their themes.
#[derive(Debug, Parser)]
#[command(name = "bulletin", version = crate::version::SHORT, about, propagate_version = true)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output: auto, always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto, long_help = "When to colour themes, \
        confidence bars and diagnostics. `auto` (the default): only on a terminal, and never when the NO_COLOR environment variable \
        is set (CLICOLOR_FORCE=1 colours even when piped). `always` and `never` override the environment.")]
    pub color: ColorArg,
    /// Print only errors and warnings (no notes, summaries or progress bars).
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        long_help = "Print only errors and warnings on stderr: no notes, \
        no summaries and no progress bars. Results on stdout are unchanged."
    )]
    pub quiet: bool,
    /// Also report each page input read and the time the run took.
    #[arg(
        short,
        long,
        global = true,
        long_help = "Also report on stderr each page input as it is read (its encoding and \
        number of pieces) and, at the end, the time the run took."
    )]
    pub verbose: bool,
}

/// Parses a probability (0 to 1): a value outside is a usage error (exit code 2), as clap reports
/// any other invalid value.
fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&p) { Ok(p) } else { Err(format!("{p} is not between 0 and 1")) }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour on a terminal, following `NO_COLOR` and `CLICOLOR_FORCE`.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cut bulletin pages into articles, captions or paragraphs.
    Split(SplitArgs),
    /// Show the normalised text, tokens and features of each piece, as the classifier sees them.
    Segment(SegmentArgs),
    /// Train a theme model from labelled JSON Lines records.
    Train(TrainArgs),
    /// Tag each piece of bulletin pages with its theme.
    Classify(ClassifyArgs),
    /// Measure a model (or, with --folds, a training configuration) on labelled records.
    Eval(EvalArgs),
    /// Describe a model file (the embedded default model without an argument).
    Inspect(InspectArgs),
    /// Merge models trained on different data (shards) into the model of their union.
    Merge(MergeArgs),
    /// Refit a model's confidence calibration on held-out labelled data (counts unchanged).
    Calibrate(CalibrateArgs),
    /// Choose the unlabelled pieces to label next and write them as draft records.
    Suggest(SuggestArgs),
    /// List labelled records and paragraphs whose label looks wrong (confident learning).
    Audit(AuditArgs),
    /// Compare two models on labelled data (scores side by side, and the test of Quinn `McNemar`).
    #[command(about = "Compare two models on labelled data: scores side by side and McNemar's test")]
    Compare(CompareArgs),
    /// List the classifier plugins.
    Classifiers,
    /// Start the local web workbench: pages coloured by theme, corrections, model updates.
    Serve(ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on standard output.
    Man,
}

/// `bulletin completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(
        value_enum,
        long_help = "The shell whose completion script is printed: bash, zsh, fish, powershell or elvish. \
        The README's \"Shell completions and man page\" section says where to put it."
    )]
    pub shell: clap_complete::Shell,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// One flat JSON object per line.
    Jsonl,
    /// One JSON array of the same objects.
    Json,
}

/// How reports are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables for people.
    Table,
    /// One JSON document.
    Json,
}

/// The order of a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Input order.
    Input,
    /// Least confident first: the pieces to check come first.
    Confidence,
}

/// How finely pages are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GranularityArg {
    /// One piece per article or caption.
    Article,
    /// One piece per paragraph.
    Paragraph,
}

/// Which pieces of the training records become examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrainGranularityArg {
    /// Whole articles with their primary label.
    Article,
    /// Paragraphs with their own primary label (records with `paragraph_labels` only).
    Paragraph,
    /// Both articles and paragraphs.
    Both,
}

/// Whether `train` fits calibration maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalibrationArg {
    /// Fit them on out-of-fold scores when every theme has about 20 records or more.
    Auto,
    /// Keep the classifier's own (over-confident) probabilities.
    None,
}

/// How page inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// By file name: `.html`/`.htm` files are HTML, other files and stdin page text.
    Auto,
    /// Page text (`# 标题` headings, paragraphs).
    Text,
    /// Saved web pages.
    Html,
    /// Corpus records, one JSON object per line (`id`, `title`, `text`); ids are kept.
    Records,
}

/// Page inputs shared by `split`, `segment`, `classify` and `suggest`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Pages or directories of pages; none or `-` reads standard input.
    #[arg(
        value_name = "PATH",
        long_help = "Bulletin pages to read: files, or directories read recursively in sorted order (hidden files and \
        folders skipped; see --glob). With no PATH, or when PATH is `-`, read standard input. \
        Each file is read once and decoded on its own (UTF-8, GB18030/GBK, Big5 or UTF-16, detected); \
        a file that fails, or a directory entry that cannot be read, is reported on stderr and the others are still processed (exit code 3)."
    )]
    pub files: Vec<PathBuf>,
    /// Only read files matching this glob inside directories (repeatable; `!GLOB` excludes).
    #[arg(
        long,
        value_name = "GLOB",
        long_help = "Inside directories, read only the files whose path matches GLOB (gitignore syntax, case-insensitive; \
        `*.txt` matches at any depth, `2023/**/*.html` below 2023/). May be repeated. `!GLOB` excludes. Default: *.txt, *.htm and \
        *.html (*.jsonl with --input-format records); when every --glob excludes, the default still chooses the files. \
        Files named on the command line are always read."
    )]
    pub glob: Vec<String>,
    /// How to read the inputs: auto (by file name), text, html or records.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, long_help = "`auto`: files ending in .html or .htm are \
        saved web pages, everything else (and stdin) page text. `html`: every input is HTML (read whole, at most 16 MiB each; \
        the text is extracted and offsets refer to it). `text`: every input is page text. `records`: every input is corpus JSON \
        Lines (`id`, `title`, `text`; labels are ignored), one article per record, and each piece keeps its record's `id`.")]
    pub input_format: InputFormatArg,
    /// Decode every input with this encoding instead of detecting it.
    #[arg(
        long,
        value_name = "LABEL",
        long_help = "Decode every input with this WHATWG encoding label (utf-8, gbk, gb18030, big5, utf-16le, utf-16be, …) \
        instead of detecting it. With an explicit encoding a single undecodable byte sequence rejects the file."
    )]
    pub encoding: Option<String>,
    /// Fail an input on its first undecodable byte sequence.
    #[arg(
        long,
        long_help = "Fail an input on its first undecodable byte sequence, as with --encoding. Without it, a detected encoding \
        tolerates undecodable sequences up to 1 % of the characters (replaced by U+FFFD, with a warning giving their count and \
        the first one's byte offset), and a piece with more than 1 % of them is still processed, with a warning and `damaged: true`."
    )]
    pub strict: bool,
    /// Process at most this many characters of each piece.
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..),
        long_help = "A piece longer than N characters is processed on its first N characters, with a warning naming the file and the piece index. \
        Protects memory and time against pages without any structure. Pages are read as streams: text running for more than 4N characters \
        (at least 1,048,576) without an article heading is cut into blocks of about that size, also with a warning, so memory stays bounded.")]
    pub max_piece_chars: u64,
}

/// The output format of the commands that print one record per piece.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table, long_help = "Output format: `table` for people, `jsonl` one flat JSON object per piece and line, \
        `json` one array of the same objects.")]
    pub format: Format,
}

/// `bulletin split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: FormatArgs,
    /// Cut into articles (default) or paragraphs.
    #[arg(short, long, value_enum, default_value_t = GranularityArg::Article, long_help = "`article`: one piece per article or photo caption, section headings kept as lines of the text. \
        `paragraph`: one piece per paragraph, with its article's index, its number and its section heading.")]
    pub granularity: GranularityArg,
}

/// `bulletin segment`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: FormatArgs,
    /// Cut into articles (default) or paragraphs.
    #[arg(short, long, value_enum, default_value_t = GranularityArg::Article, long_help = "`article`: one piece per article or caption; `paragraph`: one piece per paragraph.")]
    pub granularity: GranularityArg,
    /// Use this model's text-pipeline settings.
    #[arg(
        short,
        long,
        value_name = "FILE",
        conflicts_with = "dict",
        long_help = "Show the pieces exactly as this model's text pipeline sees them (its settings and stored user lexicon). \
        Without it the default settings are used."
    )]
    pub model: Option<PathBuf>,
    /// Add a user lexicon (`word freq [tag]` per line).
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Add the words of a user lexicon in jieba's format, one `word freq [tag]` per line \
        (the frequency is required). May be repeated. Errors name the file and line."
    )]
    pub dict: Vec<PathBuf>,
}

/// `bulletin classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: FormatArgs,
    /// The model to use (default: the model embedded in the binary).
    #[arg(
        short,
        long,
        env = "BULLETIN_MODEL",
        value_name = "FILE",
        long_help = "The model file to use. Without it, the default model embedded in the binary \
        (models/default.bin at build time) is used."
    )]
    pub model: Option<PathBuf>,
    /// Tag articles (default) or paragraphs.
    #[arg(short, long, value_enum, default_value_t = GranularityArg::Article, long_help = "`article`: tag each article and caption (secondary tags come from its paragraphs); \
        `paragraph`: tag each paragraph.")]
    pub granularity: GranularityArg,
    /// Abstain (theme `other`) when the top score is below P.
    #[arg(
        long,
        value_name = "P",
        value_parser = probability,
        long_help = "Report the fallback theme (`other`) with `abstained: true` when the top score is below P (0–1). \
        The best guess stays visible: `best` in JSON, `其他 (? 招商引资 0.58)` in tables. With a calibrated model, confidence is the \
        probability that the theme is right, so P is the accuracy you ask for. Overrides the threshold stored in the model (0 unless \
        trained otherwise)."
    )]
    pub min_confidence: Option<f64>,
    /// Order of the table rows: input (default) or confidence (least confident first).
    #[arg(long, value_enum, default_value_t = SortArg::Input, long_help = "`confidence` lists each input's least confident pieces \
        first, so a reviewer checks them first; the table of one input is held in memory until it is written (it is anyway). \
        Applies to table output only: JSON Lines stay in input order (sort them with e.g. `jq -s 'sort_by(.confidence)'`).")]
    pub sort: SortArg,
    /// Explain each decision with its K strongest features.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 0,
        long_help = "Add `why`: the K features that most favoured the chosen theme over the runner-up, \
        with their contributions in natural-log units (in tables, a `why` column with one feature per line). A model whose classifier cannot explain (linfa-multinomial, \
        linfa-bernoulli) makes this a usage error (exit code 2)."
    )]
    pub explain: usize,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N", env = "BULLETIN_THREADS", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS), long_help = "Classify with N worker threads (default: one per core), \
        at most 256. With N = 1 everything runs on one thread; with more, N threads tag the pieces while one more thread reads \
        the input and writes the output, which takes little time. The output is the same for every N.")]
    pub threads: Option<u64>,
}

/// Labelled inputs shared by the commands that read records.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Labelled JSONL files, directories of them, or `-` (standard input).
    #[arg(long, value_name = "PATH", required = true, num_args = 1.., long_help = "Labelled records, one JSON object per line \
        (article records; `eval`, `calibrate` and `compare` also take paragraph records, lines without `title` and `paragraph_labels`). \
        A directory is read recursively in sorted order, its *.jsonl files (see --glob), hidden files and folders skipped; `-` reads \
        standard input. May be repeated. Drafts of `bulletin suggest` (records with a `suggested` field) are left out with a warning.")]
    pub data: Vec<PathBuf>,
    /// Only read files matching this glob inside --data directories (repeatable).
    #[arg(
        long,
        value_name = "GLOB",
        long_help = "Inside --data directories, read only the files whose path matches GLOB \
        (gitignore syntax, case-insensitive; `!GLOB` excludes). May be repeated. Default: *.jsonl."
    )]
    pub glob: Vec<String>,
}

/// Training flags shared by `train` and `eval --folds`.
#[derive(Debug, Args)]
pub struct TrainingArgs {
    /// Taxonomy file (default: the built-in data/themes.toml).
    #[arg(
        long,
        value_name = "FILE",
        long_help = "A themes.toml taxonomy (top-level `name`, optional `fallback`, one [[theme]] table per theme with \
        id, name_zh, name_en, definition). Default: the built-in copy of data/themes.toml."
    )]
    pub themes: Option<PathBuf>,
    /// Classifier plugin (see `bulletin classifiers`).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "multinomial",
        long_help = "The classifier plugin to train; `bulletin classifiers` lists them with their parameters."
    )]
    pub classifier: String,
    /// Hyper-parameter, KEY=VALUE (repeatable).
    #[arg(
        long = "param",
        value_name = "KEY=VALUE",
        long_help = "A hyper-parameter of the plugin (e.g. alpha=0.1) or of the model \
        (min_count, top_k, min_confidence, tag_min_share, tag_min_confidence, tag_min_score). May be repeated."
    )]
    pub params: Vec<String>,
    /// Add a user lexicon to the text pipeline (stored in the model).
    #[arg(
        long,
        value_name = "FILE",
        long_help = "A user lexicon in jieba's `word freq [tag]` format. Its entries are stored in the model, \
        so classification never needs the file again. May be repeated."
    )]
    pub dict: Vec<PathBuf>,
    /// Seed (training itself is deterministic; kept for reproducible command lines).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 42,
        long_help = "Random seed. The built-in trainers use no randomness (the same data gives \
        byte-identical models); `eval --folds` uses the seed to shuffle records into folds."
    )]
    pub seed: u64,
}

/// `bulletin train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the model (atomically).
    #[arg(
        short,
        long,
        value_name = "FILE",
        long_help = "The model file to write. It is written to a temporary file and renamed, so an interrupted \
        run leaves any previous model intact."
    )]
    pub out: PathBuf,
    /// Train on articles, paragraphs or both (default).
    #[arg(short, long, value_enum, default_value_t = TrainGranularityArg::Both, long_help = "`article`: each record's title and text with its primary label; \
        `paragraph`: each paragraph with its own label (records with `paragraph_labels`); `both`: all of them.")]
    pub granularity: TrainGranularityArg,
    /// Longest JSON line accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20, value_parser = clap::value_parser!(u64).range(1..),
        long_help = "A line of the data longer than BYTES (default 16 MiB) stops the run with a `file:line` error, \
        after reading no more than BYTES of it: it is not a record, or the limit must be raised for it.")]
    pub max_record_bytes: u64,
    /// Make any malformed record fatal.
    #[arg(
        long,
        long_help = "Stop at the first malformed record (bad JSON, missing or empty text, no labels, duplicate id, \
        paragraph_labels not matching the paragraphs) instead of reporting and skipping it."
    )]
    pub strict: bool,
    /// Train on drafts of `bulletin suggest` too (records that still have `suggested`).
    #[arg(
        long,
        long_help = "Records written by `bulletin suggest` carry a `suggested` field until someone has reviewed their labels \
        and deleted it. They are left out, with a warning naming file:line, unless this flag is given."
    )]
    pub include_suggested: bool,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N", env = "BULLETIN_THREADS", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS), long_help = "Featurise with N worker threads \
        (default: one per core), at most 256, while one more thread reads and parses the JSON input. The model is the same for every N.")]
    pub threads: Option<u64>,
    /// Calibrate confidence on out-of-fold scores (auto) or not (none).
    #[arg(long, value_enum, default_value_t = CalibrationArg::Auto, long_help = "`auto`: fit calibration maps so that a piece's \
        confidence is the probability that its theme is right. The maps are fitted on out-of-fold scores of up to 20,000 training \
        records (stratified folds, see --calibration-folds), from the same single pass over the data; training skips them, with a \
        note, when a theme has fewer than 20 records. The secondary-tag thresholds tag_min_confidence and tag_min_score are \
        re-derived on the same scores unless given with --param. `none`: keep naive Bayes' own probabilities.")]
    pub calibration: CalibrationArg,
    /// Folds of the out-of-fold calibration scores.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..=20), long_help = "Folds of the \
        out-of-fold scores that calibration is fitted on (2–20).")]
    pub calibration_folds: u64,
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `bulletin eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The model to evaluate (default: the embedded model).
    #[arg(
        short,
        long,
        env = "BULLETIN_MODEL",
        value_name = "FILE",
        long_help = "The model to evaluate. Default: the model embedded in the binary. Not with --folds, which trains its \
        own models (a BULLETIN_MODEL default is then ignored)."
    )]
    pub model: Option<PathBuf>,
    /// Evaluate articles (default) or paragraphs.
    #[arg(short, long, value_enum, default_value_t = GranularityArg::Article, long_help = "`article`: each article record, truth = its first label; \
        `paragraph`: each paragraph of each article record (truth = its paragraph label) and each paragraph record.")]
    pub granularity: GranularityArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table, long_help = "`table` for people, `json` one document with the same numbers.")]
    pub format: ReportFormat,
    /// Longest JSON line accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20, value_parser = clap::value_parser!(u64).range(1..),
        long_help = "A line of the data longer than BYTES (default 16 MiB) stops the run with a `file:line` error, \
        after reading no more than BYTES of it.")]
    pub max_record_bytes: u64,
    /// Stratified K-fold cross-validation of a training configuration instead.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(2..), long_help = "Cross-validate the training configuration given by the training \
        flags: the article records are shuffled with --seed, split into K folds stratified by primary label, and each fold is scored by a model \
        trained on the other K−1.")]
    pub folds: Option<u64>,
    /// Write SVG plots (reliability, risk–coverage, confusion) into DIR.
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Write three SVG pictures into DIR (created if missing): reliability.svg \
        (mean confidence against accuracy per confidence bin), risk-coverage.svg (accuracy when keeping only the most confident \
        pieces) and confusion.svg (the confusion matrix as a heat map). Existing files of those names are replaced."
    )]
    pub plot: Option<PathBuf>,
    /// With --folds: train on articles, paragraphs or both (default).
    #[arg(long, value_enum, default_value_t = TrainGranularityArg::Both, long_help = "With --folds, the training granularity of the fold models.")]
    pub granularity_train: TrainGranularityArg,
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `bulletin inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model file (default: the embedded model).
    #[arg(
        value_name = "MODEL",
        env = "BULLETIN_MODEL",
        long_help = "The model file to describe. Without it, the default model embedded in the binary."
    )]
    pub model: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table, long_help = "`table` for people, `json` one document.")]
    pub format: ReportFormat,
    /// Same as --format json.
    #[arg(long, long_help = "Print JSON (the same as --format json).")]
    pub json: bool,
    /// Indicative features listed per theme.
    #[arg(long, value_name = "N", default_value_t = 15, long_help = "How many of the most indicative features to list per theme.")]
    pub top: usize,
}

/// `bulletin serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8770",
        long_help = "The address and port to listen on. \
        Anything but a loopback address (127.0.0.1, ::1, localhost) needs --allow-remote. Port 0 picks a free port."
    )]
    pub addr: String,
    /// Model the model folder starts from (default: the embedded model).
    #[arg(
        short,
        long,
        env = "BULLETIN_MODEL",
        value_name = "FILE",
        long_help = "The model that a new model folder starts from (saved in it as model-0.bin). \
        Without it, the default model embedded in the binary. A folder started from another model is refused."
    )]
    pub model: Option<PathBuf>,
    /// Model folder: updated models, undo.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "bulletin-models",
        long_help = "The folder of the workbench's models: \
        model-0.bin (the starting model), one model-<n>.bin per update (never overwritten) and CURRENT, the chain of updates that led to the model in use (undo goes back along it)."
    )]
    pub model_dir: PathBuf,
    /// Corrections file (JSON Lines, corpus schema).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "corrections.jsonl",
        long_help = "The file corrections are appended to, \
        one training record per line in the corpus schema; `bulletin train --data` reads it as it is."
    )]
    pub corrections: PathBuf,
    /// Open the page in the default browser.
    #[arg(long, long_help = "Open the page's URL (with its token) in the default browser.")]
    pub open: bool,
    /// Accept non-loopback addresses and hosts.
    #[arg(
        long,
        long_help = "Allow listening on a non-loopback address and answering requests for any host name. \
        The per-run token is then the only protection: anyone who can reach the port and learns the URL can use the workbench."
    )]
    pub allow_remote: bool,
    /// Largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 20 << 20, value_parser = clap::value_parser!(u64).range(1..),
        long_help = "The largest request body accepted (a page to classify, a correction), in bytes; larger ones get 413.")]
    pub body_limit: u64,
    /// Request timeout, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400),
        long_help = "How long a request may take before it is answered with 408.")]
    pub timeout: u64,
    /// Times each correction counts in a model update.
    #[arg(long, value_name = "W", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000),
        long_help = "How many times each correction counts when `update model` folds it into the counts (as if the record \
        were in the training data W times). The default was measured: see bench/RESULTS.md.")]
    pub correction_weight: u32,
}

/// `bulletin merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The models, two or more.
    #[arg(
        value_name = "MODEL",
        num_args = 2..,
        required = true,
        long_help = "The models to merge, two or more, trained with the same classifier, themes, text pipeline and \
        parameters. They are merged one after the other into the first, so memory holds the merge so far and one \
        more model. Counts are sums, so the order does not change the result. A model given twice (the same bytes) is \
        refused: its training data would count twice."
    )]
    pub models: Vec<PathBuf>,
    /// Where to write the merged model (atomically).
    #[arg(short, long, value_name = "FILE", long_help = "The merged model file, written atomically (temporary file, then rename).")]
    pub out: PathBuf,
    /// Merge even when the models' record digests show shared training records.
    #[arg(
        long,
        long_help = "Each model keeps a digest of its training records (the 4,096 smallest record hashes); merge refuses \
        models that share a record, as its counts would be added twice. The check is exact for models of fewer than 4,096 records \
        and catches a shard given twice or contained in another; a small overlap between two large shards can go unseen. \
        --allow-overlap merges anyway, with a warning."
    )]
    pub allow_overlap: bool,
}

/// `bulletin calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The model to recalibrate (default: the embedded model).
    #[arg(
        short,
        long,
        env = "BULLETIN_MODEL",
        value_name = "FILE",
        long_help = "The model whose calibration maps are refitted. Its counts, vocabulary and \
        parameters are kept as they are. Default: the model embedded in the binary."
    )]
    pub model: Option<PathBuf>,
    /// Held-out labelled JSONL files or directories of them.
    #[arg(long, value_name = "PATH", num_args = 1.., long_help = "Labelled records the model was NOT trained on (article records, \
        with their paragraph labels, and paragraph records), as for `eval`: files, directories (read recursively) or `-`. Articles of several paragraphs fit the article map, \
        paragraphs and one-paragraph pieces the passage map. ECE on this data before and after is reported.")]
    pub data: Vec<PathBuf>,
    /// Only read files matching this glob inside --data directories (repeatable).
    #[arg(
        long,
        value_name = "GLOB",
        long_help = "Inside --data directories, read only the files whose path matches GLOB \
        (gitignore syntax, case-insensitive; `!GLOB` excludes). May be repeated. Default: *.jsonl."
    )]
    pub glob: Vec<String>,
    /// Remove the calibration instead (scores become the classifier's own).
    #[arg(
        long,
        conflicts_with = "data",
        long_help = "Write the model without calibration maps: its scores become naive Bayes' own \
        (over-confident) probabilities."
    )]
    pub none: bool,
    /// Where to write the recalibrated model (atomically).
    #[arg(short, long, value_name = "FILE", long_help = "The model file to write, atomically (temporary file, then rename).")]
    pub out: PathBuf,
}

/// `bulletin suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The model whose uncertainty guides the choice (default: the embedded model).
    #[arg(
        short,
        long,
        env = "BULLETIN_MODEL",
        value_name = "FILE",
        long_help = "The model trained on the labels so far. Its calibrated probabilities measure \
        how unsure it is about each piece; a model without calibration (fewer than about 20 records per theme) borrows the \
        embedded model's calibration maps to rank its pieces. Default: the embedded model."
    )]
    pub model: Option<PathBuf>,
    /// How many pieces to choose.
    #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..),
        long_help = "Choose N pieces (fewer when the pool has fewer that are not near-duplicates of each other).")]
    pub count: u64,
    /// Choose articles (default) or paragraphs.
    #[arg(short, long, value_enum, default_value_t = GranularityArg::Article, long_help = "`article`: each draft is an article with its \
        paragraph labels pre-filled; `paragraph`: each draft is one paragraph.")]
    pub granularity: GranularityArg,
    /// Seed that orders equally useful pieces.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 42,
        long_help = "The choice is deterministic; the seed only orders pieces that \
        are exactly equally useful (e.g. duplicates of one score)."
    )]
    pub seed: u64,
    /// Where to write the draft records (JSON Lines, atomically).
    #[arg(
        short,
        long,
        value_name = "FILE",
        long_help = "The draft records, most useful first, in the corpus schema with the model's guesses \
        as labels and a `suggested` field ({score, reason}). `train` leaves drafts out until their `suggested` field is deleted."
    )]
    pub out: PathBuf,
    /// Summary format on stdout.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table, long_help = "`table` for people, `json` one document.")]
    pub format: ReportFormat,
}

/// `bulletin audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Folds of the out-of-fold predictions.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..), long_help = "The article \
        records are split into K folds stratified by primary label (as `eval --folds`); each fold is scored by a model trained on \
        the other K−1, so no record is judged by a model that saw its label.")]
    pub folds: u64,
    /// How many suspicious labels to list.
    #[arg(
        short = 'n',
        long = "count",
        value_name = "N",
        default_value_t = 50,
        long_help = "List the N most certain label issues \
        (0: all of them)."
    )]
    pub count: usize,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table, long_help = "`table` for people, `json` one document.")]
    pub format: ReportFormat,
    /// With --folds: train on articles, paragraphs or both (default).
    #[arg(long, value_enum, default_value_t = TrainGranularityArg::Both, long_help = "The training granularity of the fold models.")]
    pub granularity_train: TrainGranularityArg,
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `bulletin compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Labelled JSONL files, directories of them, or `-` (repeat --data for several).
    #[arg(
        long,
        value_name = "PATH",
        required = true,
        long_help = "Labelled records (article records and paragraph records): a file, \
        a directory read recursively in sorted order (its *.jsonl files, see --glob), or `-` for standard input. One PATH per --data, \
        so that the two models can follow: `compare --data test/ mine.bin default`; repeat --data for several."
    )]
    pub data: Vec<PathBuf>,
    /// Only read files matching this glob inside --data directories (repeatable).
    #[arg(
        long,
        value_name = "GLOB",
        long_help = "Inside --data directories, read only the files whose path matches GLOB \
        (gitignore syntax, case-insensitive; `!GLOB` excludes). May be repeated. Default: *.jsonl."
    )]
    pub glob: Vec<String>,
    /// The first model (a file, or `default` for the embedded model).
    #[arg(value_name = "MODEL_A", long_help = "A model file, or `default` for the model embedded in the binary.")]
    pub model_a: String,
    /// The second model (a file, or `default`).
    #[arg(value_name = "MODEL_B", long_help = "A model file, or `default` for the model embedded in the binary.")]
    pub model_b: String,
    /// Compare on articles (default) or paragraphs.
    #[arg(short, long, value_enum, default_value_t = GranularityArg::Article, long_help = "`article`: each article record, truth = its \
        first label; `paragraph`: each labelled paragraph and paragraph record.")]
    pub granularity: GranularityArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table, long_help = "`table` for people, `json` one document.")]
    pub format: ReportFormat,
}
