//! SVG charts of lab results, drawn with plotters (SVG backend only: no fonts or system
//! libraries needed). Every chart carries its caption: machine, command and date.

use course_testkit::rounds::{CaseResult, Report};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ctx::Ctx;

/// One bar: a label and the median with its min–max range over all rounds.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub median: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Bar {
    /// A bar for a case: its median and its p25–p75 range (the whisker).
    pub fn of(c: &CaseResult) -> Self {
        Self {
            label: c.name.clone(),
            median: c.median(),
            lo: c.quantile(0.25),
            hi: c.quantile(0.75),
        }
    }
}

/// Bars for every case of a report, in order.
pub fn bars_of(r: &Report) -> Vec<Bar> {
    r.cases.iter().map(Bar::of).collect()
}

const PALETTE: [RGBColor; 4] = [
    RGBColor(0x1f, 0x6f, 0xb4),
    RGBColor(0xd9, 0x6b, 0x1a),
    RGBColor(0x2c, 0x8c, 0x4a),
    RGBColor(0x8a, 0x4f, 0xa8),
];

fn value_text(v: f64) -> String {
    course_testkit::rounds::format_value(v)
}

fn draw_caption(area: &DrawingArea<SVGBackend<'_>, Shift>, ctx: &Ctx) {
    let caption = ctx.caption();
    let style = ("sans-serif", 13)
        .into_font()
        .color(&RGBColor(0x55, 0x55, 0x55));
    let _ = area.draw(&Text::new(
        format!("Measured on {caption}"),
        (10, 6),
        style.clone(),
    ));
    let _ = area.draw(&Text::new(
        "bar/point = median over all rounds; whisker = p25–p75".to_string(),
        (10, 24),
        style,
    ));
}

/// A horizontal bar chart, one bar per case, with p25–p75 whiskers.
pub fn bars(ctx: &Ctx, file: &str, title: &str, unit: &str, bars: &[Bar]) {
    draw_bars(ctx, file, title, unit, bars, false);
}

/// The same on a logarithmic axis, for values spanning orders of magnitude.
pub fn bars_log(ctx: &Ctx, file: &str, title: &str, unit: &str, bars: &[Bar]) {
    draw_bars(ctx, file, title, &format!("{unit} (log scale)"), bars, true);
}

fn draw_bars(ctx: &Ctx, file: &str, title: &str, unit: &str, bars: &[Bar], log: bool) {
    if bars.is_empty() {
        return;
    }
    // On a log axis, plot log10 of every value (bars start at a floor below the smallest).
    let floor = if log {
        bars.iter()
            .map(|b| b.lo.min(b.median))
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min)
            .log10()
            .floor()
    } else {
        0.0
    };
    let t = |v: f64| {
        if log {
            v.max(1e-300).log10() - floor
        } else {
            v
        }
    };
    let shown: Vec<Bar> = bars
        .iter()
        .map(|b| Bar {
            label: b.label.clone(),
            median: t(b.median),
            lo: t(b.lo),
            hi: t(b.hi),
        })
        .collect();
    let originals = bars;
    let bars = &shown[..];
    let path = ctx.svg_path(file);
    let height = 110 + 34 * bars.len() as u32 + 46;
    let root = SVGBackend::new(&path, (900, height)).into_drawing_area();
    let _ = root.fill(&WHITE);
    let (plot, foot) = root.split_vertically(height - 46);
    draw_caption(&foot, ctx);
    let max = bars
        .iter()
        .map(|b| b.hi.max(b.median))
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let label_width = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0) as u32;
    let n = bars.len() as i32;
    let mut chart = match ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .margin_right(40)
        .x_label_area_size(40)
        .y_label_area_size((label_width * 7 + 16).clamp(80, 420))
        .build_cartesian_2d(0.0..max * 1.18, (0..n - 1).into_segmented())
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("chart {file}: {e}");
            return;
        }
    };
    let labels: Vec<String> = bars.iter().rev().map(|b| b.label.clone()).collect();
    let _ = chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_label_formatter(&|v| {
            if log {
                value_text(10f64.powf(*v + floor))
            } else {
                value_text(*v)
            }
        })
        .x_desc(unit)
        .y_labels(bars.len())
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", 14))
        .draw();
    for (row, (b, orig)) in bars.iter().zip(originals).rev().enumerate() {
        let i = row as i32;
        let color = PALETTE[0];
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(i)),
                (b.median, SegmentValue::Exact(i + 1)),
            ],
            color.mix(0.75).filled(),
        );
        bar.set_margin(4, 4, 0, 0);
        let _ = chart.draw_series(std::iter::once(bar));
        // The whisker, at the bar's centre.
        let _ = chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (b.lo, SegmentValue::CenterOf(i)),
                (b.hi, SegmentValue::CenterOf(i)),
            ],
            BLACK.stroke_width(2),
        )));
        let _ = chart.draw_series(std::iter::once(Text::new(
            value_text(orig.median),
            (b.hi.max(b.median) + max * 0.01, SegmentValue::CenterOf(i)),
            ("sans-serif", 13),
        )));
    }
    let _ = root.present();
    drop(chart);
    drop(root);
    ctx.wrote(&path);
}

/// One line of a line chart: a name and, per x position, a bar (median and whisker).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<Bar>,
}

/// A line chart over categorical x positions (`xs`), one line per series, with whiskers.
pub fn lines(
    ctx: &Ctx,
    file: &str,
    title: &str,
    x_desc: &str,
    unit: &str,
    xs: &[String],
    series: &[Series],
) {
    if xs.is_empty() || series.is_empty() {
        return;
    }
    let path = ctx.svg_path(file);
    let (w, h) = (900u32, 520u32);
    let root = SVGBackend::new(&path, (w, h)).into_drawing_area();
    let _ = root.fill(&WHITE);
    let (plot, foot) = root.split_vertically(h - 46);
    draw_caption(&foot, ctx);
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|b| b.hi.max(b.median)))
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let n = xs.len() as i32;
    let mut chart = match ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..max * 1.15)
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("chart {file}: {e}");
            return;
        }
    };
    let _ = chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .y_label_formatter(&|v| value_text(*v))
        .x_desc(x_desc)
        .y_desc(unit)
        .x_labels(xs.len())
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => xs.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", 14))
        .draw();
    for (k, s) in series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let pts: Vec<(SegmentValue<i32>, f64)> = s
            .points
            .iter()
            .enumerate()
            .map(|(i, b)| (SegmentValue::CenterOf(i as i32), b.median))
            .collect();
        if let Ok(ann) = chart.draw_series(LineSeries::new(pts.clone(), color.stroke_width(3))) {
            ann.label(s.name.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
        }
        let _ = chart.draw_series(
            pts.iter()
                .map(|p| Circle::new(p.clone(), 4, color.filled())),
        );
        for (i, b) in s.points.iter().enumerate() {
            let x = SegmentValue::CenterOf(i as i32);
            let _ = chart.draw_series(std::iter::once(PathElement::new(
                vec![(x.clone(), b.lo), (x, b.hi)],
                color.stroke_width(2),
            )));
        }
    }
    let _ = chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw();
    let _ = root.present();
    drop(chart);
    drop(root);
    ctx.wrote(&path);
}
