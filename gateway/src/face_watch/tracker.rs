//! Which files in `face/` are complete: a file is taken only when its size and time stamp
//! are the same on two polls in a row, because the terminal may write in place rather than
//! rename a finished file into the folder.

use std::collections::HashMap;
use std::time::SystemTime;

/// One file as listed on a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

#[derive(Debug, Clone)]
struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    parse_failures: u32,
    /// Handled (or given up on) but still in the folder; skipped until it changes.
    settled: bool,
}

/// What the previous polls saw.
#[derive(Debug, Default)]
pub struct Tracker {
    seen: HashMap<String, Seen>,
}

/// Whether a name in `face/` may be a result: hidden files and `*.tmp` are writers' work in
/// progress; only `*.xml` files are results (other files, e.g. a share's `Thumbs.db`, are
/// left alone).
pub fn is_candidate(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.starts_with('.') && !lower.ends_with(".tmp") && lower.ends_with(".xml")
}

impl Tracker {
    /// Records this poll's listing and returns the files unchanged since the previous
    /// poll and not yet settled, oldest first.
    pub fn observe(&mut self, listing: Vec<Listed>) -> Vec<Listed> {
        let mut next = HashMap::with_capacity(listing.len());
        let mut ready = Vec::new();
        for file in listing {
            let seen = match self.seen.remove(&file.name) {
                Some(prev) if prev.size == file.size && prev.modified == file.modified => {
                    if !prev.settled {
                        ready.push(file.clone());
                    }
                    prev
                }
                _ => Seen {
                    size: file.size,
                    modified: file.modified,
                    parse_failures: 0,
                    settled: false,
                },
            };
            next.insert(file.name, seen);
        }
        // Files gone from the folder are forgotten: a new file of the same name is new.
        self.seen = next;
        ready.sort_by(|a, b| (a.modified, &a.name).cmp(&(b.modified, &b.name)));
        ready
    }

    /// Counts a failed parse of `name` and returns how many there were in a row.
    pub fn parse_failed(&mut self, name: &str) -> u32 {
        match self.seen.get_mut(name) {
            Some(seen) => {
                seen.parse_failures += 1;
                seen.parse_failures
            }
            None => 1,
        }
    }

    /// Stops offering `name` until it changes or leaves the folder.
    pub fn settle(&mut self, name: &str) {
        if let Some(seen) = self.seen.get_mut(name) {
            seen.settled = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn file(name: &str, size: u64, secs: u64) -> Listed {
        Listed {
            name: name.to_string(),
            size,
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
        }
    }

    fn names(files: &[Listed]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn a_file_is_ready_on_the_second_identical_sighting() {
        let mut tracker = Tracker::default();
        assert!(tracker.observe(vec![file("a.xml", 10, 1)]).is_empty());
        assert_eq!(
            names(&tracker.observe(vec![file("a.xml", 10, 1)])),
            ["a.xml"]
        );
    }

    #[test]
    fn a_growing_file_waits() {
        let mut tracker = Tracker::default();
        tracker.observe(vec![file("a.xml", 10, 1)]);
        assert!(tracker.observe(vec![file("a.xml", 20, 1)]).is_empty());
        assert!(tracker.observe(vec![file("a.xml", 20, 2)]).is_empty());
        assert_eq!(tracker.observe(vec![file("a.xml", 20, 2)]).len(), 1);
    }

    #[test]
    fn ready_files_come_oldest_first() {
        let mut tracker = Tracker::default();
        let listing = vec![
            file("b.xml", 1, 5),
            file("c.xml", 1, 9),
            file("a.xml", 1, 7),
        ];
        tracker.observe(listing.clone());
        assert_eq!(
            names(&tracker.observe(listing)),
            ["b.xml", "a.xml", "c.xml"]
        );
    }

    #[test]
    fn settled_files_are_skipped_until_they_change() {
        let mut tracker = Tracker::default();
        tracker.observe(vec![file("a.xml", 1, 1)]);
        tracker.observe(vec![file("a.xml", 1, 1)]);
        tracker.settle("a.xml");
        assert!(tracker.observe(vec![file("a.xml", 1, 1)]).is_empty());
        tracker.observe(vec![file("a.xml", 2, 2)]);
        assert_eq!(tracker.observe(vec![file("a.xml", 2, 2)]).len(), 1);
    }

    #[test]
    fn parse_failures_count_up_and_reset_when_the_file_changes() {
        let mut tracker = Tracker::default();
        tracker.observe(vec![file("a.xml", 1, 1)]);
        assert_eq!(tracker.parse_failed("a.xml"), 1);
        assert_eq!(tracker.parse_failed("a.xml"), 2);
        tracker.observe(vec![file("a.xml", 3, 1)]);
        assert_eq!(tracker.parse_failed("a.xml"), 1);
    }

    #[test]
    fn only_finished_xml_files_are_candidates() {
        assert!(is_candidate("OQSsiquc01res_face_1.xml"));
        assert!(is_candidate("RESULT.XML"));
        assert!(!is_candidate(".OQSsiquc01res_face_1.xml.tmp"));
        assert!(!is_candidate(".hidden.xml"));
        assert!(!is_candidate("result.xml.tmp"));
        assert!(!is_candidate("Thumbs.db"));
    }
}
