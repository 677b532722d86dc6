//! The site's own translations (locales/en.json, fr.json), generated as its `i18n` module.

use leptos_i18n_build::options::CodegenOptions;
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    let config = Config::new("en")?.add_locale("fr")?.parse_options(ParseOptions::new().interpolate_display(true));
    let infos = TranslationsInfos::parse(config)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    // The generated module parses each locale's literal name with `expect`: allow that there alone.
    let allow_expect = CodegenOptions::new().top_level_attributes(Some("#![allow(clippy::expect_used)]".parse()?));
    infos.generate_i18n_module_with_options(out, allow_expect)?;
    Ok(())
}
