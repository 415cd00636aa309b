#![forbid(unsafe_code)]

fn main() {
    std::process::exit(bedrock_doctor::cli::main());
}
