//! A one-line description of the machine, for tables and chart captions.

/// E.g. "2 × AMD EPYC (family 23, model 1), KVM guest, Linux 6.18.44".
pub fn describe() -> String {
    let cpus = online_cpus();
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let mut cpu = field("model name").unwrap_or_else(|| std::env::consts::ARCH.to_string());
    if let (Some(family), Some(model)) = (field("cpu family"), field("model")) {
        cpu.push_str(&format!(" (family {family}, model {model})"));
    }
    let virt = if field("flags").is_some_and(|f| f.split_whitespace().any(|x| x == "hypervisor")) {
        ", virtual machine"
    } else {
        ""
    };
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!(", Linux {}", k.trim()))
        .unwrap_or_default();
    format!("{cpus} × {cpu}{virt}{kernel}")
}

/// CPUs online (not the calling thread's affinity mask, which may be one core).
pub fn online_cpus() -> usize {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
        if n > 0 {
            return n as usize;
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Howard Hinnant's days-to-civil algorithm.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The 1-minute load average (`/proc/loadavg`), or "unknown".
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// A quick placement probe: the median round trip, in ns, of one cache line between the
/// first two cores (a one-word ping-pong, 5 × 2,000 round trips). On virtual machines the
/// host sometimes runs two vCPUs on the two hyper-threads of one physical core, which makes
/// every cross-core figure several times smaller while it lasts; this number shows it.
pub fn probe_round_trip_ns() -> Option<f64> {
    if online_cpus() < 2 {
        return None;
    }
    let mut runs: Vec<f64> = (0..5)
        .map(|_| crate::ping_pong::one_word(2_000, true))
        .collect();
    runs.sort_by(f64::total_cmp);
    Some(runs[runs.len() / 2])
}
