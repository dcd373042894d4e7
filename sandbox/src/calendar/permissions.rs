//! `calendarPermission`s of a calendar (GRAPH-FACTS §6.2; docs: "calendarPermission
//! resource type", "Create calendarPermission", "Share or delegate a calendar in
//! Outlook"): who the calendar is shared with or delegated to, and with which role.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::access::Role;
pub(crate) use crate::store::calendar::{Permission, MY_ORGANIZATION_ID};

impl Permission {
    /// A sharee / delegate entry. The id is base64 of `ExchangePublishedUser.{address}`,
    /// which is what the id of the docs' create example decodes to.
    pub(crate) fn for_person(
        name: String,
        address: &str,
        role: Role,
        inside: bool,
        primary: bool,
    ) -> Permission {
        Permission {
            id: STANDARD.encode(format!("ExchangePublishedUser.{address}")),
            name,
            address: Some(address.to_string()),
            role,
            allowed: allowed_roles(inside, primary),
            inside,
            removable: true,
        }
    }

    /// The resource as Graph returns it (property order of the doc examples).
    pub(crate) fn json(&self) -> Value {
        let email = match &self.address {
            Some(a) => json!({"name": self.name, "address": a}),
            None => json!({"name": self.name}),
        };
        json!({
            "id": self.id,
            "isRemovable": self.removable,
            "isInsideOrganization": self.inside,
            "role": self.role.as_str(),
            "allowedRoles": self.allowed.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "emailAddress": email,
        })
    }
}

/// `allowedRoles` of a sharee / delegate, as the docs' examples show them: a person
/// inside the organization on the primary calendar may also be a delegate (Megan in
/// "Share or delegate a calendar in Outlook"); on another calendar up to `write`
/// (Adele on "Kids parties"); a person outside the organization up to `read`
/// (`admin@M365B877719…` in "List calendarPermissions"). `none` is only for "My
/// Organization" ("it doesn't apply to individual users").
pub(crate) fn allowed_roles(inside: bool, primary: bool) -> Vec<Role> {
    let mut roles = vec![Role::FreeBusyRead, Role::LimitedRead, Role::Read];
    if inside {
        roles.push(Role::Write);
        if primary {
            roles.push(Role::DelegateWithoutPrivateEventAccess);
            roles.push(Role::DelegateWithPrivateEventAccess);
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_json_match_the_docs() {
        let p = Permission::for_person(
            "Samantha Booth".into(),
            "samanthab@adatum.onmicrosoft.com",
            Role::Read,
            true,
            false,
        );
        assert_eq!(
            p.id,
            "RXhjaGFuZ2VQdWJsaXNoZWRVc2VyLnNhbWFudGhhYkBhZGF0dW0ub25taWNyb3NvZnQuY29t"
        );
        assert_eq!(
            Permission::my_organization().json(),
            json!({
                "id": "RGVmYXVsdA==",
                "isRemovable": false,
                "isInsideOrganization": true,
                "role": "freeBusyRead",
                "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read", "write"],
                "emailAddress": {"name": "My Organization"}
            })
        );
    }
}
