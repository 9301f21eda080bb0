//! Small helpers the labs share.

use std::time::Duration;

/// Waits until `done()` is true: spins with `spin_loop` (PAUSE), and after 1,000 spins also
/// yields, so that a lab still finishes on a machine with fewer cores than threads.
#[inline]
pub fn spin_until(mut done: impl FnMut() -> bool) {
    let mut spins = 0u32;
    while !done() {
        spins = spins.wrapping_add(1);
        if spins < 1_000 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

/// CPU time the calling thread has used so far.
pub fn thread_cpu_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if rc == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

/// Voluntary context switches of the calling thread so far: how often it went to sleep in
/// the kernel (a futex wait, a timed sleep, a blocking read). Zero where unavailable.
pub fn thread_voluntary_switches() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: an all-zero rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, writable rusage; RUSAGE_THREAD is a constant Linux knows.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
        if rc == 0 {
            return usage.ru_nvcsw as u64;
        }
    }
    0
}

/// The calling thread's timer slack in ns: how late the kernel may end its timed sleeps
/// (`prctl(PR_GET_TIMERSLACK)`; 50,000 by default, 0 for real-time threads). 0 elsewhere.
pub fn timer_slack_ns() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_GET_TIMERSLACK takes no pointer arguments and returns the slack.
        let slack = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) };
        if slack >= 0 {
            return slack as u64;
        }
    }
    0
}

/// Percent, as the labs print it.
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Puts the calling thread in the real-time FIFO class (`SCHED_FIFO`, priority 1), or back
/// in the normal class. Threads it spawns afterwards inherit the class. Real-time threads
/// are never preempted by normal ones, so a busy machine (a build running next to the lab)
/// stops distorting cross-core figures; Linux still reserves 5% of each second for normal
/// threads (`sched_rt_runtime_us`). Needs root or CAP_SYS_NICE; returns why not otherwise.
pub fn set_realtime(on: bool) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let (policy, priority) = if on {
            (libc::SCHED_FIFO, 1)
        } else {
            (libc::SCHED_OTHER, 0)
        };
        let param = libc::sched_param {
            sched_priority: priority,
        };
        // SAFETY: `param` is a valid sched_param; pthread_self() is the calling thread.
        let rc = unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::from_raw_os_error(rc).to_string())
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = on;
        Err("only implemented on Linux".into())
    }
}

/// Runs `f` with the calling thread (and the threads `f` spawns) in the normal scheduling
/// class, then restores real time if it was on. For experiments with more threads than
/// cores: real-time threads of equal priority are not time-sliced, so a spinning waiter
/// would keep a preempted lock holder off its core.
///
/// It also gives the thread the timer slack an ordinary program has (50 µs, Linux's
/// default): a real-time thread has none, and a process started from one inherits none as
/// its default, so switching the class back alone would leave timed sleeps unrounded.
pub fn normal_class<T>(realtime: bool, f: impl FnOnce() -> T) -> T {
    if realtime {
        let _ = set_realtime(false);
        #[cfg(target_os = "linux")]
        // SAFETY: PR_SET_TIMERSLACK takes the slack in ns as an unsigned long; no pointers.
        unsafe {
            libc::prctl(libc::PR_SET_TIMERSLACK, 50_000 as libc::c_ulong);
        }
    }
    let out = f();
    if realtime {
        let _ = set_realtime(true);
    }
    out
}
