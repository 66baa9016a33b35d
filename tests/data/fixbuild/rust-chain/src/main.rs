//! Prints the architecture it was compiled for (the fix must hand each platform its own binary).
fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    println!("hello, {}, from {}", name, std::env::consts::ARCH);
}
