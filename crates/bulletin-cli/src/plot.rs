//! `eval --plot DIR`: SVG pictures of how far confidence can be trusted, drawn with plotters'
//! SVG backend (no font files: text is laid out by an estimate and rendered by the viewer).

use std::path::Path;

use anyhow::{Context, Result};
use bulletin_core::Taxonomy;
use plotters::prelude::*;

/// File names written into the plot directory.
pub const FILES: [&str; 3] = ["reliability.svg", "risk-coverage.svg", "confusion.svg"];

const SIZE: (u32, u32) = (640, 480);
const MODEL: RGBColor = RGBColor(31, 119, 180);
const IDEAL: RGBColor = RGBColor(150, 150, 150);

/// Writes the three pictures into `dir` (created if missing) from `(confidence, right)` pairs
/// and the confusion matrix (`rows[truth][predicted]`).
pub fn write_all(dir: &Path, predictions: &[(f64, bool)], confusion: &[Vec<u64>], taxonomy: &Taxonomy) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the plot directory {}", dir.display()))?;
    let pictures = [reliability(predictions)?, risk_coverage(predictions)?, heat_map(confusion, taxonomy)?];
    for (name, svg) in FILES.iter().zip(pictures) {
        let path = dir.join(name);
        std::fs::write(&path, svg).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Turns a plotters drawing error into one line.
#[expect(clippy::needless_pass_by_value, reason = "used as map_err(drawing), which passes the error by value")]
fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow::anyhow!("cannot draw the plot: {e}")
}

/// Mean confidence against accuracy in ten equal-width bins, beside the diagonal of perfect
/// calibration.
fn reliability(predictions: &[(f64, bool)]) -> Result<String> {
    let mut bins = [(0.0, 0.0, 0u64); 10];
    for &(c, ok) in predictions {
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to a bin index")]
        let b = &mut bins[((c * 10.0).floor().max(0.0) as usize).min(9)];
        b.0 += c;
        b.1 += f64::from(u8::from(ok));
        b.2 += 1;
    }
    let points: Vec<(f64, f64)> = bins.iter().filter(|b| b.2 > 0).map(|b| (b.0 / b.2 as f64, b.1 / b.2 as f64)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Reliability: accuracy per confidence bin", ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(drawing)?;
        chart.configure_mesh().x_desc("mean confidence").y_desc("accuracy").draw().map_err(drawing)?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], IDEAL.stroke_width(1)))
            .map_err(drawing)?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], IDEAL));
        chart
            .draw_series(LineSeries::new(points.iter().copied(), MODEL.stroke_width(2)).point_size(4))
            .map_err(drawing)?
            .label("model")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], MODEL));
        chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// Accuracy when keeping only the most confident share of the pieces, for every share from
/// 1 % to 100 %.
fn risk_coverage(predictions: &[(f64, bool)]) -> Result<String> {
    let mut sorted: Vec<&(f64, bool)> = predictions.iter().collect();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = sorted.len();
    let mut right = 0usize;
    let mut cumulative = Vec::with_capacity(n);
    for p in &sorted {
        right += usize::from(p.1);
        cumulative.push(right);
    }
    let curve: Vec<(f64, f64)> = (1..=100)
        .filter_map(|pct| {
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count no larger than n")]
            let keep = ((n as f64 * f64::from(pct) / 100.0).round() as usize).min(n);
            (keep > 0).then(|| (f64::from(pct) / 100.0, cumulative[keep - 1] as f64 / keep as f64))
        })
        .collect();
    let low = curve.iter().map(|p| p.1).fold(1.0, f64::min);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Risk-coverage: accuracy of the most confident pieces", ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1f64, (low - 0.02).max(0.0)..1.0)
            .map_err(drawing)?;
        chart.configure_mesh().x_desc("coverage (share of pieces kept)").y_desc("accuracy").draw().map_err(drawing)?;
        chart
            .draw_series(LineSeries::new(curve, MODEL.stroke_width(2)))
            .map_err(drawing)?
            .label("model")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], MODEL));
        chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// The confusion matrix as a heat map, each cell shaded by its share of the truth row and
/// labelled with its count.
fn heat_map(rows: &[Vec<u64>], taxonomy: &Taxonomy) -> Result<String> {
    let ids: Vec<&str> = taxonomy.ids().collect();
    let n = ids.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let n_i32 = i32::try_from(n).unwrap_or(i32::MAX);
        let mut chart = ChartBuilder::on(&root)
            .caption("Confusion matrix (rows: truth, columns: predicted)", ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(0..n_i32, 0..n_i32)
            .map_err(drawing)?;
        let label = |v: &i32| usize::try_from(*v).ok().and_then(|i| ids.get(i)).map_or(String::new(), |s| (*s).to_owned());
        // Truth rows run top to bottom, so row `t` is drawn at y = n - 1 - t.
        let row_label = |v: &i32| usize::try_from(n_i32 - 1 - v).ok().and_then(|i| ids.get(i)).map_or(String::new(), |s| (*s).to_owned());
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n)
            .y_labels(n)
            .x_label_formatter(&label)
            .y_label_formatter(&row_label)
            .x_desc("predicted")
            .y_desc("truth")
            .draw()
            .map_err(drawing)?;
        let cells = rows.iter().enumerate().flat_map(|(t, row)| {
            let total: u64 = row.iter().sum();
            row.iter().enumerate().map(move |(p, &count)| (t, p, count, if total == 0 { 0.0 } else { count as f64 / total as f64 }))
        });
        let cells: Vec<(i32, i32, u64, f64)> =
            cells.map(|(t, p, c, share)| (i32::try_from(p).unwrap_or(0), n_i32 - 1 - i32::try_from(t).unwrap_or(0), c, share)).collect();
        chart
            .draw_series(cells.iter().map(|&(x, y, _, share)| {
                #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "share is in 0..=1")]
                let shade = (255.0 - share * 200.0) as u8;
                Rectangle::new([(x, y), (x + 1, y + 1)], RGBColor(shade, shade, 255).filled())
            }))
            .map_err(drawing)?;
        chart
            .draw_series(cells.iter().map(|&(x, y, count, _)| Text::new(count.to_string(), (x, y + 1), ("sans-serif", 16))))
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}
