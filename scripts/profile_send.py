#!/usr/bin/env python3
"""Where a sendMail's CPU goes: instructions per request, counted with callgrind.

    scripts/profile_send.py BENCH_E2E_BINARY [OUT.md]

Runs `BENCH_E2E_BINARY --profile SIDE --requests N` under `valgrind --tool=callgrind` for
bare reqwest, reqwest doing the crate's work by hand, and the crate (default per-mailbox
limit), each with N = 1000 and 3000,
and divides the difference by 2000: setup, warm-up and teardown cancel out, what is left
is what one more request costs. Callgrind counts user-space instructions, the same for the
same binary and inputs however busy the machine is; system calls (the kernel's share of
the CPU time, alike on both sides) are not in it. Writes a Markdown section (stdout, or
OUT.md). Used by scripts/bench; needs valgrind (Debian's package) and callgrind_annotate.
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

RUNS = (1000, 3000)

# One row per part of the crate's work: (label, function-name patterns). A function's
# inclusive count covers what it calls, so each pattern counts its largest match (the
# outermost of nested functions) and a part adds up its patterns. A part whose functions
# were all inlined into their caller reads "inlined" (its cost is in the caller's).
PARTS = [
    ("the caller: `Message::clone` per request, and its drop", [
        r"^<msgraph_outlook::models::message::Message as core::clone::Clone>::clone$",
        r"^core::ptr::drop_in_place<msgraph_outlook::models::message::Message>$",
    ]),
    ("validation (`check_for_send`: recipients, addresses, headers)", [
        r"^msgraph_outlook::models::message::Message::check_for_(send|draft)$",
    ]),
    ("serialization (`serde_json::to_writer` of `{\"message\": …}`)", [
        r"^msgraph_outlook::client::request::Request::json|SendMailBody>::serialize$|^serde_core::ser::SerializeMap::serialize_entry$",
    ]),
    ("path and URL (segments, percent-encoding, the mailbox it addresses)", [
        r"^msgraph_outlook::models::source::MailboxRef::path$",
        r"^msgraph_outlook::client::request::<impl msgraph_outlook::client::GraphClient>::check$",
    ]),
    ("header map and the `reqwest::Request` (Accept, client-request-id, Content-Type, Authorization; the URL copied in)", [
        r"^msgraph_outlook::client::request::<impl msgraph_outlook::client::GraphClient>::request_headers$",
        r"^msgraph_outlook::client::request::http_request$",
    ]),
    ("client-request-id (a UUID v4 from a per-thread generator)", [
        r"^msgraph_outlook::client::request_id::new_client_request_id$",
    ]),
    ("token (`fresh_token`)", [
        r"^<msgraph_outlook::auth::static_token::StaticToken as msgraph_outlook::auth::TokenProvider>::(fresh_token|access_token)",
    ]),
    ("per-mailbox limiter (take a place, give it back)", [
        r"^msgraph_outlook::client::limits::MailboxLimiter::",
        r"^<msgraph_outlook::client::limits::MailboxPermit as core::ops::drop::Drop>::drop$",
    ]),
    ("timers (reqwest's total timeout: a `Sleep` registered and removed)", [
        r"^<tokio::time::sleep::Sleep as core::future::future::Future>::poll$",
        r"^core::ptr::drop_in_place<core::pin::Pin<alloc::boxed::Box<tokio::time::sleep::Sleep>>>$",
    ]),
    ("tracing (without a subscriber each macro is a static level check, inlined)", [
        r"^tracing(_core)?::",
    ]),
    ("response handling (status, `request-id`, `Accepted`)", [
        r"^msgraph_outlook::client::request::read_answer",
        r"^msgraph_outlook::client::response::Response::accepted$",
    ]),
]

LINE = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(?:.*?\.(?:rs|c|S|h)|\?\?\?):(.*?)(?: \[[^\]]*\])?$")


def profile(binary, side, requests, directory):
    out = os.path.join(directory, f"{side}-{requests}.callgrind")
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
         "--profile", side, "--requests", str(requests)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return out


def costs(path, inclusive):
    """Instructions per function (the largest figure when a name is listed twice)."""
    text = subprocess.run(
        ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100",
         "--auto=no", path],
        check=True, capture_output=True, text=True,
    ).stdout
    found = collections.defaultdict(int)
    total = 0
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        match = None if "=>" in line else LINE.match(line)
        if match:
            name = match.group(2).strip()
            value = int(match.group(1).replace(",", ""))
            # A name listed twice (demangled names can repeat): the largest inclusive
            # figure, the sum of the exclusive ones.
            found[name] = max(found[name], value) if inclusive else found[name] + value
    return total, found


def per_request(binary, side, directory):
    """(total, inclusive per function, exclusive per function), per request."""
    paths = [profile(binary, side, n, directory) for n in RUNS]
    scale = RUNS[1] - RUNS[0]
    results = []
    for inclusive in (True, False):
        (t1, f1), (t2, f2) = (costs(path, inclusive) for path in paths)
        functions = {k: (f2.get(k, 0) - f1.get(k, 0)) / scale for k in set(f1) | set(f2)}
        results.append(((t2 - t1) / scale, functions))
    return results[0][0], results[0][1], results[1][1]


def allocations(functions):
    """Instructions spent in glibc's allocator (exclusive counts of its functions)."""
    return sum(v for k, v in functions.items() if re.match(r"^(malloc|free|_int_malloc|_int_free|realloc|_int_realloc|malloc_consolidate|unlink_chunk.*|cfree.*)$", k))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    out = open(sys.argv[2], "w") if len(sys.argv) > 2 else sys.stdout
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        print("valgrind is not installed (Debian: apt-get install valgrind): no breakdown.", file=out)
        return
    with tempfile.TemporaryDirectory(prefix="msgraph-profile-") as directory:
        bare_total, bare, bare_self = per_request(binary, "bare", directory)
        same_work_total, _, _ = per_request(binary, "same_work", directory)
        crate_total, crate, crate_self = per_request(binary, "crate", directory)
    lines = [
        f"Instructions per `sendMail` (user space, whole client process, callgrind: runs of "
        f"{RUNS[0]} and {RUNS[1]} requests at concurrency 1 to one mailbox with the 1.7 KB "
        f"token, difference ÷ {RUNS[1] - RUNS[0]}):",
        "",
        "| | instructions per request | share of the crate's |",
        "|---|---|---|",
        f"| bare reqwest, all of it | {bare_total:,.0f} | — |",
        f"| reqwest doing the crate's work by hand, all of it | {same_work_total:,.0f} "
        f"({same_work_total / bare_total:.3f}× bare) | — |",
        f"| the crate (default limit), all of it | {crate_total:,.0f} | 100% |",
        f"| difference | {crate_total - bare_total:+,.0f} ({crate_total / bare_total:.3f}×) | "
        f"{(crate_total - bare_total) / crate_total:.1%} |",
    ]
    bare_url = max((v for k, v in bare.items() if "IntoUrlSealed>::into_url" in k), default=0)
    named = 0.0
    for label, patterns in PARTS:
        found = [[v for k, v in crate.items() if re.search(p, k)] for p in patterns]
        if not any(found):
            lines.append(f"| {label} | inlined or not run | — |")
            continue
        value = sum(max(values) for values in found if values)
        named += value
        lines.append(f"| {label} | {value:,.0f} | {value / crate_total:.1%} |")
    lines.append(
        f"| reqwest, hyper, tokio and the allocator for the rest of this request and its "
        f"connection (bare reqwest: {bare_total:,.0f} in all, {bare_url:,.0f} of them parsing "
        f"its URL string, which the crate does not: it extends a parsed base URL) | "
        f"{crate_total - named:,.0f} | {(crate_total - named) / crate_total:.1%} |")
    allocator = allocations(crate_self) - allocations(bare_self)
    lines += [
        "",
        f"Of the difference, {allocator:+,.0f} instructions are malloc and free (the crate's "
        f"allocations beyond bare reqwest's, see the allocation rows), spread over the rows.",
    ]
    print("\n".join(lines), file=out)


if __name__ == "__main__":
    main()
