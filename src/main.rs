fn main() {
    std::process::exit(bedrock_doctor::cli::main());
}
