//! A progress line on standard error for scans that take longer than a second
//! (only on a terminal; erased when the scan ends).

use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use crate::scan::Progress;

/// Runs `work`, showing `progress` on stderr once it has run for a second.
pub fn while_running<T>(progress: &Arc<Progress>, work: impl FnOnce() -> T) -> T {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let p = Arc::clone(progress);
    let display = std::thread::spawn(move || {
        // Anything but a timeout (done, or the scan's thread gone) ends the display.
        if done_rx.recv_timeout(Duration::from_secs(1)) != Err(RecvTimeoutError::Timeout) {
            return;
        }
        loop {
            let (done, total) = (p.done.load(Relaxed), p.total.load(Relaxed));
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2Kopsgate: scanned {done} of {total} units");
            let _ = err.flush();
            drop(err);
            if done_rx.recv_timeout(Duration::from_millis(200)) != Err(RecvTimeoutError::Timeout) {
                break;
            }
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    });
    let out = work();
    let _ = done_tx.send(());
    let _ = display.join();
    out
}
