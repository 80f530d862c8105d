//! A JSON request body: `Params::from_json`, then every accessor.

#![no_main]

use libfuzzer_sys::fuzz_target;
use oblako_protocol::params::Params;

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = Params::from_json(data) {
        // Only a JSON object is a parameter set.
        assert!(
            data.iter().all(u8::is_ascii_whitespace)
                || serde_json::from_slice::<serde_json::Value>(data).is_ok_and(|v| v.is_object())
        );
        oblako_fuzz::exercise(&params);
    }
});
