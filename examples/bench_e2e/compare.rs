//! The comparison the end-to-end sections share: sides alternating, medians recorded.

use crate::measure::{median, timed};
use crate::sides::{Sender, Side};
use crate::{Failure, Results};

/// Runs every sender `rounds` times (after a warm-up), rotating who goes first so drift over
/// the run favours none; prints and records the medians. Returns the requests sent.
pub(crate) async fn compare(
    senders: &[(Side, Sender)],
    n: usize,
    concurrency: usize,
    rounds: usize,
    prefix: &str,
    results: &mut Results,
) -> Result<usize, Failure> {
    let run = |sender: &Sender, requests: usize| {
        let sender = sender.clone();
        timed(requests, concurrency, move |i| {
            let sender = sender.clone();
            async move { sender.send(i).await }
        })
    };
    // Warm-up: connections opened, allocator and caches settled, for every side.
    let warm = (n / 10).max(concurrency * 20);
    for (_, sender) in senders {
        run(sender, warm).await?;
    }
    let mut measured: Vec<(Vec<f64>, Vec<f64>)> = vec![Default::default(); senders.len()];
    for round in 0..rounds {
        for k in 0..senders.len() {
            let which = (round + k) % senders.len();
            let timing = run(&senders[which].1, n).await?;
            measured[which].0.push(timing.per_second());
            measured[which].1.push(timing.cpu_per_1000());
        }
    }
    let medians: Vec<(f64, f64)> = measured
        .iter_mut()
        .map(|(rps, cpu)| (median(rps), median(cpu)))
        .collect();
    let (bare_rps, bare_cpu) = medians[0];
    let mut line = format!("  concurrency {concurrency:>2}:");
    for ((side, _), (rps, cpu)) in senders.iter().zip(&medians) {
        line.push_str(&format!(
            " {} {rps:.0}/s {cpu:.4} ({:.3}×, {:.3}×) |",
            side.key(),
            rps / bare_rps,
            cpu / bare_cpu
        ));
        results.set(&format!("{prefix}.{}.rps", side.key()), format!("{rps:.1}"));
        results.set(
            &format!("{prefix}.{}.cpu_per_1k", side.key()),
            format!("{cpu:.5}"),
        );
    }
    println!("{}", line.trim_end_matches(" |"));
    Ok(senders.len() * (warm + rounds * n))
}

/// [`compare`] at each of `concurrencies` in turn, recording under `{prefix}.c{concurrency}`.
/// Returns the requests sent.
pub(crate) async fn compare_at(
    senders: &[(Side, Sender)],
    n: usize,
    concurrencies: &[usize],
    rounds: usize,
    prefix: &str,
    results: &mut Results,
) -> Result<usize, Failure> {
    let mut sent = 0;
    for &concurrency in concurrencies {
        let key = format!("{prefix}.c{concurrency}");
        sent += compare(senders, n, concurrency, rounds, &key, results).await?;
    }
    Ok(sent)
}
