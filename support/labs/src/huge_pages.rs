//! Huge pages: which sizes this machine offers, and what 2 MiB pages change for a program
//! that touches memory at random.
//!
//! Prints the transparent-huge-page mode, the reserved pools of each huge page size, and
//! whether an explicit `MAP_HUGETLB` mapping of 2 MiB and of 1 GiB succeeds (1 GiB pages
//! must be reserved at boot; 2 MiB ones can be reserved at run time with
//! `vm.nr_hugepages`). Then it measures a pointer chase through 512 MiB: every step is a
//! dependent load from a random cache line, so each step pays a cache miss and, with 4 KiB
//! pages, a TLB miss and a page walk (a two-level walk under a hypervisor). With 2 MiB
//! pages (transparent huge pages, asked for with `madvise(MADV_HUGEPAGE)`), 256 pages cover
//! the buffer and the TLB holds them. The note says how much of the buffer the kernel
//! really backed with 2 MiB pages (from `/proc/self/smaps`): THP is best effort.

use crate::ctx::Ctx;

#[cfg(target_os = "linux")]
pub fn run(ctx: &Ctx) {
    linux::run(ctx);
}

#[cfg(not(target_os = "linux"))]
pub fn run(_ctx: &Ctx) {
    println!("this lab uses Linux's mmap and madvise flags; nothing to measure here.");
}

#[cfg(target_os = "linux")]
mod linux {
    use std::time::Instant;

    use course_testkit::rounds::{Better, is_child, note};

    use crate::chart;
    use crate::ctx::Ctx;

    const MIB: usize = 1 << 20;
    const HUGE: usize = 2 * MIB;
    /// One node per cache line: eight u64s.
    const STRIDE: usize = 8;

    fn sys(path: &str) -> String {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "(not available)".into())
    }

    /// Tries an explicit huge-page mapping of `len` bytes with `flags`; "ok" or the error.
    fn try_hugetlb(len: usize, flags: libc::c_int) -> String {
        // SAFETY: an anonymous private mapping with no address hint; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_HUGETLB | flags,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return format!("fails: {}", std::io::Error::last_os_error());
        }
        // SAFETY: `p` is the mapping of `len` bytes just made; nothing else uses it.
        unsafe { libc::munmap(p, len) };
        "ok".into()
    }

    fn facts() {
        println!(
            "transparent huge pages: enabled {}, defrag {}",
            sys("/sys/kernel/mm/transparent_hugepage/enabled"),
            sys("/sys/kernel/mm/transparent_hugepage/defrag")
        );
        let mut pools: Vec<_> = std::fs::read_dir("/sys/kernel/mm/hugepages")
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        pools.sort();
        for pool in pools {
            let name = pool.file_name().unwrap_or_default().to_string_lossy();
            let size = name.trim_start_matches("hugepages-");
            let get = |f: &str| sys(&pool.join(f).to_string_lossy());
            println!(
                "hugetlb pool {size}: {} reserved, {} free",
                get("nr_hugepages"),
                get("free_hugepages")
            );
        }
        println!(
            "explicit 2 MiB page (MAP_HUGETLB | MAP_HUGE_2MB): {}",
            try_hugetlb(HUGE, libc::MAP_HUGE_2MB)
        );
        println!(
            "explicit 1 GiB page (MAP_HUGETLB | MAP_HUGE_1GB): {}",
            try_hugetlb(1 << 30, libc::MAP_HUGE_1GB)
        );
        println!();
    }

    /// An anonymous mapping whose usable part starts on a 2 MiB boundary.
    struct Region {
        base: *mut libc::c_void,
        len: usize,
        data: *mut u64,
        bytes: usize,
    }

    impl Region {
        fn new(bytes: usize, huge: bool) -> Self {
            let len = bytes + HUGE;
            // SAFETY: an anonymous private mapping with no address hint; checked below.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            assert!(base != libc::MAP_FAILED, "mmap of {len} bytes failed");
            let start = (base as usize).next_multiple_of(HUGE);
            let data = base
                .cast::<u8>()
                .wrapping_add(start - base as usize)
                .cast::<u64>();
            let advice = if huge {
                libc::MADV_HUGEPAGE
            } else {
                libc::MADV_NOHUGEPAGE
            };
            // SAFETY: [data, data + bytes) lies inside the mapping; advice changes no contents.
            // A refusal (no THP support) is not fatal: the note reports what we got.
            unsafe { libc::madvise(data.cast(), bytes, advice) };
            Self {
                base,
                len,
                data,
                bytes,
            }
        }

        fn nodes(&self) -> usize {
            self.bytes / (STRIDE * 8)
        }

        fn as_slice(&mut self) -> &mut [u64] {
            // SAFETY: the mapping is readable and writable, zero-filled, exclusively ours,
            // and [data, data + bytes) lies inside it.
            unsafe { std::slice::from_raw_parts_mut(self.data, self.bytes / 8) }
        }

        /// Percent of the region backed by 2 MiB pages, from /proc/self/smaps.
        fn huge_percent(&self) -> f64 {
            let (lo, hi) = (self.data as usize, self.data as usize + self.bytes);
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
            let mut inside = false;
            let mut huge_kb = 0usize;
            for line in smaps.lines() {
                let first = line.split_whitespace().next().unwrap_or("");
                if let Some((a, b)) = first.split_once('-')
                    && let (Ok(a), Ok(b)) =
                        (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
                {
                    inside = a < hi && b > lo;
                } else if inside && let Some(kb) = line.strip_prefix("AnonHugePages:") {
                    huge_kb += kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                }
            }
            100.0 * (huge_kb * 1024) as f64 / self.bytes as f64
        }
    }

    impl Drop for Region {
        fn drop(&mut self) {
            // SAFETY: `base`/`len` are the mapping made in `new`; no reference outlives it.
            unsafe { libc::munmap(self.base, self.len) };
        }
    }

    /// Links the nodes into one random cycle (Sattolo's shuffle) and returns the region.
    fn build(bytes: usize, huge: bool) -> Region {
        let mut r = Region::new(bytes, huge);
        let n = r.nodes();
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in (1..n).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let j = (x % i as u64) as usize;
            order.swap(i, j);
        }
        let data = r.as_slice();
        for k in 0..n {
            let (from, to) = (order[k] as usize, order[(k + 1) % n] as usize);
            data[from * STRIDE] = to as u64;
        }
        r
    }

    /// `steps` dependent loads; ns per step.
    fn chase(r: &mut Region, steps: usize) -> f64 {
        let data = r.as_slice();
        let mut i = 0usize;
        let t = Instant::now();
        for _ in 0..steps {
            i = data[i * STRIDE] as usize;
        }
        let ns = t.elapsed().as_nanos() as f64 / steps as f64;
        std::hint::black_box(i);
        ns
    }

    pub fn run(ctx: &Ctx) {
        if !is_child() {
            facts();
        }
        let bytes = ctx.size(512, 64) * MIB;
        let steps = ctx.size(2_000_000, 100_000);
        let case = move |huge: bool| {
            // Built once per process, on first use (not measured), then chased every round.
            let mut region: Option<Region> = None;
            move || {
                let r = region.get_or_insert_with(|| build(bytes, huge));
                note("% of the buffer in 2 MiB pages", r.huge_percent());
                chase(r, steps)
            }
        };
        let report = ctx
            .experiment(
                &format!(
                    "pointer chase through {} MiB, one random line per step",
                    bytes / MIB
                ),
                "ns per step",
                Better::Lower,
            )
            .case("4 KiB pages (MADV_NOHUGEPAGE)", case(false))
            .case("2 MiB pages (MADV_HUGEPAGE, transparent)", case(true))
            .run();
        if let Some(r) = report {
            println!("{steps} dependent steps per round.");
            chart::bars(
                ctx,
                "huge-pages.svg",
                &format!(
                    "Pointer chase through {} MiB: 4 KiB versus 2 MiB pages",
                    bytes / MIB
                ),
                "ns per step",
                &chart::bars_of(&r),
            );
        }
    }
}
