//! Pure diff of an ACL policy: compares normalised texts. A write bumps the
//! policy's version on OpenBao even for identical text, so "no change" must
//! really mean no write.

use super::model::{DesiredPolicy, LivePolicy, same_text};
use crate::kinds::Address;
use crate::model::plan::{Action, Change, PolicyText};

/// Diffs one policy; `None` when the texts match.
pub fn diff(
    address: Address,
    desired: Option<&DesiredPolicy>,
    live: Option<&LivePolicy>,
) -> Option<Change> {
    let (action, before, after) = match (desired, live) {
        (None, None) => return None,
        (Some(d), None) => (Action::Create, None, Some(d.text.clone())),
        (None, Some(l)) => (Action::Delete, Some(l.text.clone()), None),
        (Some(d), Some(l)) => {
            if same_text(&d.text, &l.text) {
                return None;
            }
            (Action::Update, Some(l.text.clone()), Some(d.text.clone()))
        }
    };
    let mut c = Change::new(address, action);
    c.policy = Some(PolicyText { before, after });
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;

    fn d(text: &str) -> DesiredPolicy {
        DesiredPolicy {
            name: "p".into(),
            text: text.into(),
            file: "policies/p.hcl".into(),
        }
    }

    fn l(text: &str) -> LivePolicy {
        LivePolicy { text: text.into() }
    }

    fn addr() -> Address {
        Address::new(Kind::POLICY, "p")
    }

    #[test]
    fn identical_text_is_no_write() {
        let t = "path \"a\" { capabilities = [\"read\"] }\n";
        assert!(diff(addr(), Some(&d(t)), Some(&l(t))).is_none());
    }

    #[test]
    fn line_endings_and_trailing_blank_lines_are_forgiven() {
        let a = "path \"a\" {\n  capabilities = [\"read\"]\n}\n\n";
        let b = "path \"a\" {\r\n  capabilities = [\"read\"]\r\n}";
        assert!(diff(addr(), Some(&d(a)), Some(&l(b))).is_none());
    }

    #[test]
    fn changed_text_carries_both_sides() {
        let c = diff(addr(), Some(&d("new")), Some(&l("old"))).expect("change");
        assert_eq!(c.action, Action::Update);
        let p = c.policy.expect("text");
        assert_eq!(p.before.as_deref(), Some("old"));
        assert_eq!(p.after.as_deref(), Some("new"));
    }
}
