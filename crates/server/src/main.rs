//! The `oblako` binary: parse the command line, load the configuration, run.

use clap::Parser;
use oblako_server::cli::{Cli, Command};
use oblako_server::config::Config;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("oblako: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    oblako_server::logging::init(&config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("oblako: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(oblako_server::cli::run(
        cli.command.unwrap_or(Command::Serve),
        config,
    )) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oblako: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
