#![no_main]
//! See `msgraph_outlook_fuzz::check_notification_body` (fuzz/src/lib.rs) for the properties checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| msgraph_outlook_fuzz::check_notification_body(data));
