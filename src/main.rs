/// mimalloc instead of glibc's malloc: the request path allocates and frees many small
/// buffers on several threads, where glibc spent about a fifth of the server's time
/// (malloc_consolidate, arena locks); see BENCHMARKS.md. The crate's `override` feature
/// routes C allocations (SQLite's page caches) to it too, and `no_thp` keeps it off
/// transparent huge pages, which cost 14 MiB of RSS at start.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    portico::cli::main()
}
