//! A process's resident memory on Linux, read from `/proc/<pid>/status`.

/// Resets a process's peak RSS to its current RSS; `false` where the kernel will not.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// A process's peak RSS (`VmHWM`) in bytes.
pub fn read_peak_rss(pid: u32) -> Option<u64> {
    read_status_kb(pid, "VmHWM:")
}

/// A `kB` line of `/proc/<pid>/status`, in bytes.
pub fn read_status_kb(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kb(&status, key)
}

fn parse_status_kb(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rss_is_read_from_vm_hwm() {
        let status = "Name:\tportico-bench\nVmPeak:\t  200 kB\nVmHWM:\t    1536 kB\n";
        assert_eq!(parse_status_kb(status, "VmHWM:"), Some(1536 * 1024));
        assert_eq!(parse_status_kb("Name: x\n", "VmHWM:"), None);
    }
}
