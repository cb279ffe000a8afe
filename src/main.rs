fn main() -> std::process::ExitCode {
    coursebot::cli::main()
}
