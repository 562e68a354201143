//! Pure diff of credential delivery: a change only when files will actually
//! be written.

use super::model::{DesiredCredentials, LiveCredentials, SecretIdState};
use crate::kinds::Address;
use crate::model::plan::{Action, Change, FieldChange};

/// Diffs one delivery. `live` is `None` when the role does not exist yet.
pub fn diff(
    address: Address,
    desired: Option<&DesiredCredentials>,
    live: Option<&LiveCredentials>,
) -> Option<Change> {
    let d = desired?;
    let dir = d.dir.display().to_string();
    let secret_note = if d.wrap_ttl.is_some() {
        "new wrapped secret ID"
    } else {
        "new secret ID"
    };
    let Some(l) = live else {
        let mut c = Change::new(address, Action::Create);
        c.fields.push(FieldChange::new(
            "role_id",
            None,
            Some(format!("written to {dir}")),
        ));
        c.fields.push(FieldChange::new(
            "secret_id",
            None,
            Some(format!("{secret_note} written to {dir}")),
        ));
        return Some(c);
    };
    let mut fields = Vec::new();
    if !l.role_id_current {
        let before = if l.role_id_file_exists {
            "stale"
        } else {
            "missing"
        };
        fields.push(FieldChange::new(
            "role_id",
            Some(before.into()),
            Some(format!("written to {dir}")),
        ));
    }
    match l.secret_id {
        SecretIdState::Valid => {}
        SecretIdState::Missing => fields.push(FieldChange::new(
            "secret_id",
            Some("missing".into()),
            Some(format!("{secret_note} written to {dir}")),
        )),
        SecretIdState::Invalid => fields.push(FieldChange::new(
            "secret_id",
            Some("expired or revoked".into()),
            Some(format!("{secret_note} written to {dir}")),
        )),
        SecretIdState::Expiring => fields.push(FieldChange::new(
            "secret_id",
            Some("past half its TTL".into()),
            Some(format!("{secret_note} written to {dir}")),
        )),
    }
    for (which, now, want) in &l.loose_modes {
        fields.push(FieldChange::new(
            format!("{which} mode"),
            Some(format!("{now:04o}")),
            Some(format!("{want:04o}")),
        ));
    }
    if fields.is_empty() {
        return None;
    }
    let action = if !l.role_id_file_exists && l.secret_id == SecretIdState::Missing {
        Action::Create
    } else {
        Action::Update
    };
    let mut c = Change::new(address, action);
    c.fields = fields;
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;

    fn d() -> DesiredCredentials {
        DesiredCredentials {
            mount: "approle".into(),
            role: "user".into(),
            dir: "/vault/approle/user".into(),
            wrap_ttl: None,
        }
    }

    fn addr() -> Address {
        Address::new(Kind::CREDENTIALS, "approle/user")
    }

    #[test]
    fn valid_delivered_credentials_are_left_alone() {
        let l = LiveCredentials {
            role_id_current: true,
            role_id_file_exists: true,
            secret_id: SecretIdState::Valid,
            loose_modes: Vec::new(),
        };
        assert!(diff(addr(), Some(&d()), Some(&l)).is_none());
    }

    #[test]
    fn an_expired_secret_id_is_replaced_and_said_so() {
        let l = LiveCredentials {
            role_id_current: true,
            role_id_file_exists: true,
            secret_id: SecretIdState::Invalid,
            loose_modes: Vec::new(),
        };
        let c = diff(addr(), Some(&d()), Some(&l)).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].before.as_deref(), Some("expired or revoked"));
    }

    #[test]
    fn a_secret_id_past_half_its_ttl_is_replaced_before_it_expires() {
        let l = LiveCredentials {
            role_id_current: true,
            role_id_file_exists: true,
            secret_id: SecretIdState::Expiring,
            loose_modes: Vec::new(),
        };
        let c = diff(addr(), Some(&d()), Some(&l)).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields[0].before.as_deref(), Some("past half its TTL"));
    }

    #[test]
    fn loose_modes_are_planned_as_an_update() {
        let l = LiveCredentials {
            role_id_current: true,
            role_id_file_exists: true,
            secret_id: SecretIdState::Valid,
            loose_modes: vec![("credentials_dir".into(), 0o777, 0o700)],
        };
        let c = diff(addr(), Some(&d()), Some(&l)).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields[0].name, "credentials_dir mode");
        assert_eq!(c.fields[0].before.as_deref(), Some("0777"));
        assert_eq!(c.fields[0].after.as_deref(), Some("0700"));
    }

    #[test]
    fn a_new_role_gets_both_files() {
        let c = diff(addr(), Some(&d()), None).expect("change");
        assert_eq!(c.action, Action::Create);
        assert_eq!(c.fields.len(), 2);
    }
}
