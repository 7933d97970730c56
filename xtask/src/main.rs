//! Developer workflows (`cargo xtask <task>`); placeholder until the tasks land.
fn main() {}
