//! A form-encoded request body (or a GET query): `Params::from_form`, then every accessor.

#![no_main]

use libfuzzer_sys::fuzz_target;
use oblako_protocol::params::Params;

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = Params::from_form(data) {
        oblako_fuzz::exercise(&params);
    }
});
