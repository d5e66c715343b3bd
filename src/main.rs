fn main() {
    std::process::exit(opsgate::cli::run());
}
