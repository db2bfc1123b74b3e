//! The output: one table per round as it finishes, then every round side by side in Markdown and
//! the targets met or not.

use crate::cli::Args;
use crate::driver::Measured;
use crate::scenarios::{Baseline, Round, Scenario};

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// RSS at the start of the scenario and its peak during it, in MiB.
fn rss_cell(m: &Measured) -> String {
    let cell = |b: Option<u64>| b.map_or_else(|| "n/a".to_string(), |b| format!("{:.0}", mib(b)));
    format!("{}>{}", cell(m.rss_start), cell(m.peak_rss))
}

fn ratio_cell(round: &Round, scenario: Scenario) -> String {
    let cells: Vec<String> = scenario
        .baselines()
        .iter()
        .filter_map(|&b| {
            let name = match b {
                Baseline::NoDatabase => "no-db",
                Baseline::Insert => "insert",
                Baseline::GroupCommit => "group",
            };
            round
                .ratio(scenario, b)
                .map(|r| format!("{r:.2} of {name}"))
        })
        .collect();
    if cells.is_empty() {
        "-".to_string()
    } else {
        cells.join(", ")
    }
}

pub fn print_round(round: &Round) {
    println!(
        "{:<41} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9}  ratio",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MiB*"
    );
    for m in &round.results {
        println!(
            "{:<41} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9}  {}",
            m.scenario.label(),
            m.rps(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.quantile_ms(1.0),
            m.errors,
            rss_cell(m),
            ratio_cell(round, m.scenario),
        );
        if let Some(e) = &m.first_error {
            println!("    first error: {e}");
        }
        if let Some(prepared) = m.prepared {
            let ran_out = if m.exhausted { ", and ran out" } else { "" };
            println!(
                "    {prepared} guests made ready beforehand, {} submitted in {:.1} s{ran_out}",
                m.count,
                m.elapsed.as_secs_f64()
            );
        }
    }
    println!();
}

fn rows_label(rows: u64) -> String {
    match rows {
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{}M", r / 1_000_000),
        r if r >= 1000 && r % 1000 == 0 => format!("{}k", r / 1000),
        r => r.to_string(),
    }
}

/// The rounds side by side as one Markdown table, then the targets, met or not.
pub fn print_summary(rounds: &[Round], peak_rss: u64, args: &Args) {
    println!("## Summary (Markdown)\n");
    let mut head = "| scenario |".to_string();
    let mut rule = "| --- |".to_string();
    for round in rounds {
        let rows = rows_label(round.target_rows);
        head.push_str(&format!(
            " {rows}: req/s | {rows}: p50 / p99 / max ms | {rows}: ratio |"
        ));
        rule.push_str(" ---: | ---: | ---: |");
    }
    if rounds.len() > 1 {
        head.push_str(" req/s last/first |");
        rule.push_str(" ---: |");
    }
    println!("{head}\n{rule}");
    let ran = |scenario: Scenario| rounds.iter().all(|r| r.find(scenario).is_some());
    for scenario in Scenario::ALL.into_iter().filter(|&s| ran(s)) {
        let mut line = format!("| {} |", scenario.label());
        for round in rounds {
            let m = round.get(scenario);
            line.push_str(&format!(
                " {:.0} | {:.2} / {:.2} / {:.1} | {} |",
                m.rps(),
                m.quantile_ms(0.5),
                m.quantile_ms(0.99),
                m.quantile_ms(1.0),
                ratio_cell(round, scenario)
            ));
        }
        if let (Some(first), Some(last)) = (rounds.first(), rounds.last())
            && rounds.len() > 1
        {
            let (a, b) = (first.get(scenario).rps(), last.get(scenario).rps());
            line.push_str(&format!(" {:.2} |", if a > 0.0 { b / a } else { 0.0 }));
        }
        println!("{line}");
    }
    let per_scenario_peak = rounds
        .iter()
        .flat_map(|r| &r.results)
        .filter_map(|m| m.peak_rss)
        .max()
        .unwrap_or(0);
    println!(
        "\nInvitations present per round: {}. Peak RSS of the server process: {:.1} MiB during \
         the scenarios, {:.1} MiB over the whole run (setup and seeding included).\n",
        rounds
            .iter()
            .map(|r| format!("{} ({})", r.rows, rows_label(r.target_rows)))
            .collect::<Vec<_>>()
            .join(", "),
        mib(per_scenario_peak),
        mib(peak_rss)
    );

    println!("## Targets of issue 14 ({} clients)\n", args.clients);
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    for round in rounds {
        let rows = rows_label(round.target_rows);
        let ratio = |s: Scenario, b: Baseline| round.ratio(s, b);
        match ratio(Scenario::Create, Baseline::GroupCommit) {
            Some(create) => println!(
                "- {rows}: create at least 0.5 of the group-commit insert baseline (aim 0.7): \
                 {create:.2} ({})",
                verdict(create >= 0.5)
            ),
            None => {
                let create = ratio(Scenario::Create, Baseline::Insert).unwrap_or(0.0);
                println!(
                    "- {rows}: create at least 0.7 of the pool insert baseline: {create:.2} ({})",
                    verdict(create >= 0.7)
                );
            }
        }
        for (scenario, at_least) in [
            (Scenario::Get, 0.5),
            (Scenario::List, 0.3),
            (Scenario::Page, 0.3),
        ] {
            let r = ratio(scenario, Baseline::NoDatabase).unwrap_or(0.0);
            println!(
                "- {rows}: {} at least {at_least} of the no-db baseline: {r:.2} ({})",
                scenario.label(),
                verdict(r >= at_least)
            );
        }
        let p99 = round.get(Scenario::Submit).quantile_ms(0.99);
        println!(
            "- {rows}: guest submission p99 under 10 ms: {p99:.2} ms ({})",
            verdict(p99 < 10.0)
        );
        if let Some(r) = ratio(Scenario::Submit, Baseline::GroupCommit) {
            println!(
                "- {rows}: guest submission at least 0.3 of the group-commit baseline: {r:.2} ({})",
                verdict(r >= 0.3)
            );
        }
    }
    if let (Some(first), Some(last)) = (rounds.first(), rounds.last())
        && rounds.len() > 1
    {
        let (a, b) = (rows_label(first.target_rows), rows_label(last.target_rows));
        for scenario in Scenario::ALL
            .into_iter()
            .filter(|s| !s.baselines().is_empty())
        {
            let (f, l) = (first.get(scenario), last.get(scenario));
            let slower = if l.rps() > 0.0 {
                f.rps() / l.rps()
            } else {
                f64::INFINITY
            };
            let p99 = if f.quantile_ms(0.99) > 0.0 {
                l.quantile_ms(0.99) / f.quantile_ms(0.99)
            } else {
                f64::INFINITY
            };
            println!(
                "- {} at {b} within 1.2x of {a}: req/s {slower:.2}x lower, p99 {p99:.2}x ({})",
                scenario.label(),
                verdict(slower <= 1.2 && p99 <= 1.2)
            );
        }
    }
    println!(
        "- server peak RSS under 64 MiB through the run: {:.1} MiB ({})",
        mib(peak_rss),
        verdict(mib(peak_rss) < 64.0)
    );
}
