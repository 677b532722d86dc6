//! The figures as they come, each beside its budget, and a summary of the budgets at the end.

use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};
use std::path::Path;

use crate::load::Figures;
use crate::portal::Portal;

/// The hydrate WASM and its JS, gzip-compressed, together.
const BUNDLE_BUDGET_BYTES: u64 = 60 * 1024;

#[derive(Default)]
pub struct Report {
    /// Each budget: what, and whether it was met.
    verdicts: Vec<(String, bool)>,
}

impl Report {
    pub fn section(&mut self, title: &str) {
        println!("\n## {title}");
    }

    fn judge(&mut self, what: &str, met: bool) -> &'static str {
        self.verdicts.push((what.to_owned(), met));
        if met { "met" } else { "MISSED" }
    }

    /// A rate and its latencies; `min_per_second` and `max_p99_ms` are the budgets, where set.
    pub fn rate(&mut self, what: &str, figures: &Figures, min_per_second: Option<f64>, max_p99_ms: Option<f64>) {
        let mut budgets = Vec::new();
        if let Some(minimum) = min_per_second {
            let verdict = self.judge(&format!("{what}: ≥ {minimum} req/s"), figures.per_second >= minimum);
            budgets.push(format!("≥ {minimum:.0} req/s {verdict}"));
        }
        if let Some(maximum) = max_p99_ms {
            let verdict = self.judge(&format!("{what}: p99 ≤ {maximum} ms"), figures.p99_ms <= maximum);
            budgets.push(format!("p99 ≤ {maximum} ms {verdict}"));
        }
        if figures.errors > 0 {
            self.judge(&format!("{what}: no errors"), false);
            budgets.push(format!("no errors MISSED (first: {})", figures.first_error.as_deref().unwrap_or("a failed request")));
        }
        println!(
            "{what:<45} {:>9.0} /s   p50 {:>7.2} ms   p99 {:>7.2} ms   {:>7} ok {:>5} errors   {}",
            figures.per_second,
            figures.p50_ms,
            figures.p99_ms,
            figures.answered,
            figures.errors,
            if budgets.is_empty() { "(no budget)".to_owned() } else { format!("budget: {}", budgets.join(", ")) }
        );
    }

    pub fn memory(&mut self, what: &str, kib: u64, budget_kib: Option<u64>) {
        let budget = budget_kib.map(|budget| {
            let verdict = self.judge(&format!("{what}: ≤ {} MiB", budget / 1024), kib <= budget);
            format!("budget: ≤ {} MiB {verdict}", budget / 1024)
        });
        println!("{what:<45} {:>9.1} MiB   {}", kib as f64 / 1024.0, budget.unwrap_or_else(|| "(no budget)".into()));
    }

    fn check(&mut self, what: &str, met: bool, detail: &str) {
        let verdict = self.judge(what, met);
        println!("{what:<45} {detail}   {verdict}");
    }

    pub fn print(&self) {
        println!("\n## Budgets");
        let missed: Vec<_> = self.verdicts.iter().filter(|(_, met)| !met).collect();
        println!("{} of {} met", self.verdicts.len() - missed.len(), self.verdicts.len());
        for (what, _) in missed {
            println!("missed: {what}");
        }
    }
}

/// The browser bundle on disk (raw, and the `.gz`/`.br` copies the build made), and how the
/// portal serves it.
pub async fn bundle(report: &mut Report, portal: &Portal) {
    let pkg = Path::new("target/site/pkg");
    let built = |extension: &str| {
        std::fs::read_dir(pkg)
            .expect("the site is built (make bench builds it)")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .find(|name| name.starts_with("leptos-2fa.") && name.ends_with(extension))
            .unwrap_or_else(|| panic!("no {extension} in {}", pkg.display()))
    };
    let size = |name: &str| std::fs::metadata(pkg.join(name)).map(|m| m.len()).unwrap_or(0);
    let mut gzip_total = 0;
    for extension in [".wasm", ".js"] {
        let name = built(extension);
        let (raw, gzip, brotli) = (size(&name), size(&format!("{name}.gz")), size(&format!("{name}.br")));
        gzip_total += gzip;
        println!("{name:<45} {raw:>9} B raw   {gzip:>8} B gzip   {brotli:>8} B brotli");
    }
    report.check(
        "hydrate WASM + JS, gzip",
        gzip_total <= BUNDLE_BUDGET_BYTES,
        &format!("{gzip_total} B   budget: ≤ {BUNDLE_BUDGET_BYTES} B"),
    );
    let wasm = built(".wasm");
    let response = reqwest::Client::new()
        .get(portal.url(&format!("/pkg/{wasm}")))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .expect("the portal serves its WASM");
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
    let (encoding, caching) = (header(CONTENT_ENCODING), header(CACHE_CONTROL));
    report.check("WASM served compressed", encoding == "br", &format!("Content-Encoding: {encoding}"));
    report.check("WASM cached immutably", caching.contains("immutable"), &format!("Cache-Control: {caching}"));
}

/// `end2end/weak-network.mjs` against the portal: the token page opened cold, and a first walk
/// through a sign-in. Needs the browser tests' tools (`make test-tools`); skipped without them.
pub async fn weak_network(report: &mut Report, portal: &Portal) {
    let url = portal.url("");
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node").arg("weak-network.mjs").arg(url).current_dir("end2end").output()
    });
    let output = match run.await.unwrap() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            println!("skipped: {}", String::from_utf8_lossy(&output.stderr).lines().next().unwrap_or("the walk failed"));
            return;
        }
        Err(error) => {
            println!("skipped: node is not installed ({error}); make test-tools installs it");
            return;
        }
    };
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the walk's JSON");
    let number = |name: &str| figures[name].as_u64().unwrap_or(u64::MAX);
    let usable = number("coldTokenPageUsableMs");
    println!("{:<45} {usable:>9} ms   (no budget)", "token page cold: code field usable");
    let hydrated = number("coldTokenPageHydratedMs");
    report.check("token page cold: islands live", hydrated <= 3_000, &format!("{hydrated} ms   budget: ≤ 3000 ms"));
    let bytes = number("firstWalkBytes");
    report.check("first walk through a sign-in", bytes <= 100_000, &format!("{bytes} B   budget: ≤ 100000 B"));
}
