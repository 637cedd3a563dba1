//! `bulletin train`: labelled JSON Lines → model file.

use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use anyhow::{Context, Result, anyhow, bail};
use bulletin_classifier::calibration::CalibrationState;
use bulletin_classifier::{CalibrationMode, ParamMap, Registry, TrainConfig, TrainGranularity, Trainer};
use bulletin_core::outfile::OutFile;
use bulletin_core::{Record, Taxonomy};

use crate::cli::{CalibrationArg, TrainArgs, TrainGranularityArg, TrainingArgs};
use crate::data::{self, Drafts, Item, RecordReader};
use crate::exit::ExitCode;
use crate::report;
use crate::walk::Source;

/// Records handed to the trainer at once.
const BATCH: usize = 512;

/// Validated `train` options.
#[derive(Debug)]
pub struct TrainCommand {
    /// Labelled inputs, in order.
    pub files: Vec<Source>,
    /// The model file to write, checked against the inputs.
    pub out: OutFile,
    /// Make defective lines fatal.
    pub strict: bool,
    /// The longest JSON line accepted.
    pub max_record_bytes: usize,
    /// The training configuration.
    pub config: TrainConfig,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Read drafts of `bulletin suggest` too.
    pub drafts: Drafts,
}

impl TrainCommand {
    /// Validates the parsed arguments.
    pub fn new(args: &TrainArgs) -> Result<Self> {
        let mut config = training_config(&args.training, args.granularity)?;
        config.calibration = match args.calibration {
            CalibrationArg::Auto => CalibrationMode::Auto,
            CalibrationArg::None => CalibrationMode::None,
        };
        config.calibration_folds = usize::try_from(args.calibration_folds).unwrap_or(5);
        let threads = args.threads.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        // Every input (data files and directories, themes, lexicons) is refused as the output.
        let inputs: Vec<&Path> =
            args.data.data.iter().chain(&args.training.themes).chain(&args.training.dict).map(PathBuf::as_path).collect();
        let out = OutFile::new(&args.out, &inputs).context("invalid --out")?;
        let drafts = if args.include_suggested { Drafts::Include } else { Drafts::Exclude };
        let max_record_bytes = usize::try_from(args.max_record_bytes).unwrap_or(usize::MAX);
        Ok(Self {
            files: data::expand_paths(&args.data.data, &args.data.glob)?,
            out,
            strict: args.strict,
            max_record_bytes,
            config,
            threads,
            drafts,
        })
    }
}

/// The library granularity of a command-line choice.
pub fn train_granularity(arg: TrainGranularityArg) -> TrainGranularity {
    match arg {
        TrainGranularityArg::Article => TrainGranularity::Article,
        TrainGranularityArg::Paragraph => TrainGranularity::Paragraph,
        TrainGranularityArg::Both => TrainGranularity::Both,
    }
}

/// Turns the training flags into a [`TrainConfig`] (shared with `eval --folds`).
pub fn training_config(args: &TrainingArgs, granularity: TrainGranularityArg) -> Result<TrainConfig> {
    let mut config = TrainConfig::default();
    if let Some(path) = &args.themes {
        let text =
            String::from_utf8(crate::input::read_file(path)?).map_err(|_| anyhow!("{}: a taxonomy must be UTF-8", path.display()))?;
        config.taxonomy = Taxonomy::from_toml(&text).with_context(|| path.display().to_string())?;
    }
    Registry::default().get(&args.classifier)?;
    config.classifier.clone_from(&args.classifier);
    config.params = parse_params(&args.params)?;
    config.settings.segment.user_lexicon = super::segment::read_lexicons(&args.dict)?;
    config.granularity = train_granularity(granularity);
    Ok(config)
}

fn parse_params(params: &[String]) -> Result<ParamMap> {
    let mut map = ParamMap::new();
    for param in params {
        let (key, value) = param.split_once('=').ok_or_else(|| anyhow!("invalid --param `{param}`: expected KEY=VALUE"))?;
        if key.trim().is_empty() {
            bail!("invalid --param `{param}`: empty KEY");
        }
        map.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    Ok(map)
}

/// Batches parsed ahead of the trainer: enough to keep it busy while the reader parses, few
/// enough to keep memory bounded.
const BATCHES_AHEAD: usize = 2;

/// Runs `train` on a pool of `command.threads` workers.
pub fn run(command: TrainCommand) -> Result<ExitCode> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(command.threads).build().context("cannot start the worker threads")?;
    pool.install(|| train(command))
}

fn train(command: TrainCommand) -> Result<ExitCode> {
    let taxonomy = command.config.taxonomy.clone();
    let mut trainer = Trainer::new(command.config, &Registry::default()).context("cannot start training")?;
    let progress = report::progress("training", data::file_bytes(&command.files), "bytes");
    // Reading and parsing JSON run on their own thread, so they overlap featurisation instead of
    // leaving the cores idle between batches. Batches travel in order and the reader stops at the
    // first fatal error, after the batches before it, so messages come out as from a serial loop.
    let (read, skipped, drafts, code) = std::thread::scope(|scope| -> Result<(u64, u64, u64, ExitCode)> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<Vec<Record>>(BATCHES_AHEAD);
        let reader = scope.spawn(|| {
            let reader = RecordReader::new(&taxonomy, command.strict, false)
                .with_max_record_bytes(command.max_record_bytes)
                .with_drafts(command.drafts);
            read_batches(&command.files, reader, &progress, sender)
        });
        for batch in batches {
            // Returning drops `batches`: the reader's next send fails and it stops.
            trainer.add_records(&batch).context("training failed")?;
        }
        reader.join().map_err(|_| anyhow!("the reader thread panicked"))?
    })?;
    drop(progress);
    if read == 0 {
        let drafts = if drafts > 0 { format!(", {drafts} draft(s) of `bulletin suggest` left out") } else { String::new() };
        bail!("no training data: no valid record in {} file(s) ({skipped} line(s) skipped{drafts})", command.files.len());
    }
    let pieces = trainer.pieces_per_theme().to_vec();
    for (theme, &n) in taxonomy.themes().iter().zip(&pieces) {
        if n == 0 {
            let problem = format!("theme `{}` ({}) has no training examples", theme.id(), theme.name_zh());
            if command.strict {
                bail!("{problem} (--strict makes this fatal)");
            }
            report::warn(format_args!("{problem}: the model will hardly ever predict it; add labelled records for it"));
        }
    }
    let model = trainer.finish().context("training failed")?;
    let out = command.out.path().display();
    let bytes = model.to_bytes().context("cannot serialise the model")?;
    command.out.write(&bytes).with_context(|| format!("cannot save the model to {out}"))?;
    let bytes = bytes.len();
    let drafts = if drafts > 0 { format!(", drafts left out: {drafts}") } else { String::new() };
    report::info(format_args!("records read: {read}, skipped: {skipped}{drafts}"));
    let per_theme: Vec<String> = taxonomy.themes().iter().zip(&pieces).map(|(t, n)| format!("{} {n}", t.id())).collect();
    report::info(format_args!("training pieces per theme ({}): {}", model.summary().granularity, per_theme.join(", ")));
    report::info(format_args!("vocabulary: {} features, {} selected", model.vocabulary().len(), model.selected_features()));
    match model.calibration_state() {
        CalibrationState::Calibrated(c) => report::info(format_args!(
            "calibrated on out-of-fold scores of {} articles and {} passages; tag_min_confidence {}, tag_min_score {}",
            c.article_pieces,
            c.passage_pieces,
            model.policy().tag_min_confidence,
            model.policy().tag_min_score
        )),
        CalibrationState::Uncalibrated(why) => report::note(format_args!("the model is not calibrated: {why}")),
        _ => {}
    }
    report::info(format_args!("wrote {out} ({bytes} bytes)"));
    Ok(code)
}

/// Reads `files` with `reader` into batches of [`BATCH`] records sent to `sender`; returns the
/// records read, the lines skipped, the drafts left out and the exit code of reading (3 when an input failed). Stops
/// early, without error, when the receiver is gone.
fn read_batches(
    files: &[Source],
    mut reader: RecordReader<'_>,
    progress: &report::Progress,
    sender: SyncSender<Vec<Record>>,
) -> Result<(u64, u64, u64, ExitCode)> {
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut done_bytes = 0u64;
    let mut trainer_gone = false;
    for source in files {
        let before = done_bytes;
        let read = reader.read_sources(std::slice::from_ref(source), |item, _, bytes| {
            if let Item::Article(record) = item {
                batch.push(record);
            }
            if batch.len() == BATCH && sender.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                trainer_gone = true;
                bail!("the trainer stopped");
            }
            done_bytes = before + bytes;
            progress.set_position(done_bytes);
            Ok(())
        });
        if trainer_gone {
            // The trainer failed; its error is the one reported.
            return Ok((reader.read, reader.skipped, reader.drafts_left_out(), reader.finish()));
        }
        read?;
    }
    if !batch.is_empty() {
        // A failed send means the trainer stopped with an error of its own, which it reports.
        let _ = sender.send(batch);
    }
    // Closing the channel ends the trainer's loop.
    drop(sender);
    Ok((reader.read, reader.skipped, reader.drafts_left_out(), reader.finish()))
}
