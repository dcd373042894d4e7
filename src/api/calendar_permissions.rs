//! Who may see or change a calendar: `calendarPermissions` of the default calendar or of a
//! given one (GRAPH-FACTS §6.2). Graph's replacement for EWS delegates on the Calendar
//! folder (`AddDelegate`, `UpdateDelegate`, `RemoveDelegate`, `GetDelegate`).

use super::{CalendarRef, List, Mailbox};
use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::{CalendarPermission, CalendarRole};

impl Mailbox {
    /// The permissions of the default calendar (`…/calendar/calendarPermissions`). Only the
    /// owner (or an app) sees them: a sharee or delegate gets an empty list.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{CalendarPermission, CalendarRole};
    /// let permissions = client.user("owner@contoso.com").calendar_permissions();
    /// let granted = permissions
    ///     .create(CalendarPermission::new("delegate@contoso.com", CalendarRole::Write))
    ///     .await?;
    /// for permission in permissions.list().collect().await? {
    ///     println!("{:?}: {:?}", permission.address(), permission.role);
    /// }
    /// permissions.update_role(&granted, CalendarRole::Read).await?;
    /// permissions.delete(&granted).await?;
    /// # Ok(()) }
    /// ```
    pub fn calendar_permissions(&self) -> CalendarPermissions {
        CalendarPermissions {
            mailbox: self.clone(),
            calendar: None,
        }
    }
}

impl CalendarRef {
    /// The permissions of this calendar (`…/calendars/{id}/calendarPermissions`).
    pub fn calendar_permissions(&self) -> CalendarPermissions {
        CalendarPermissions {
            mailbox: self.mailbox.clone(),
            calendar: Some(self.id().to_string()),
        }
    }
}

/// The permissions of one calendar; from [`Mailbox::calendar_permissions`] or
/// [`CalendarRef::calendar_permissions`].
#[derive(Debug, Clone)]
pub struct CalendarPermissions {
    mailbox: Mailbox,
    calendar: Option<String>,
}

impl CalendarPermissions {
    fn path(&self, id: Option<&str>) -> Vec<String> {
        let mut segments = match &self.calendar {
            Some(calendar) => vec!["calendars", calendar.as_str()],
            None => vec!["calendar"],
        };
        segments.push("calendarPermissions");
        segments.extend(id);
        self.mailbox.target.path(&segments)
    }

    /// Every permission (`GET`): "My Organization" (always there, not removable) and each
    /// sharee or delegate.
    pub fn list(&self) -> List<CalendarPermission> {
        List::new(
            self.mailbox.client.clone(),
            "listCalendarPermissions",
            self.path(None),
        )
    }

    /// One permission by id (`GET …/calendarPermissions/{id}`).
    pub async fn get(&self, id: &str) -> Result<CalendarPermission> {
        check_id(id)?;
        let request = Request::get("getCalendarPermission", self.path(Some(id)));
        self.mailbox.client.send(request).await?.json()
    }

    /// Shares the calendar (`POST`): `permission` names the person and the role. Graph
    /// documents `200 OK` for this create \[unconfirmed: other creates answer 201\]; any
    /// success with the permission is accepted. Not retried when the outcome is unknown:
    /// list the permissions before trying again.
    pub async fn create(&self, permission: CalendarPermission) -> Result<CalendarPermission> {
        if permission.address().map_or(true, str::is_empty) {
            return Err(InvalidRequest::InvalidValue {
                reason: "a calendar permission needs the sharee's email address".into(),
            }
            .into());
        }
        if let Some(address) = permission.address() {
            crate::models::check_address(address)?;
        }
        let request =
            Request::post("createCalendarPermission", self.path(None)).json(&permission)?;
        self.mailbox.client.send(request).await?.json()
    }

    /// Changes the role of `permission` as read from Graph (`PATCH {"role": …}`, the only
    /// property that can change). A role outside its `allowedRoles` is refused before
    /// sending, as Graph would refuse it (delegate roles exist only on the default
    /// calendar and for people inside the organization).
    pub async fn update_role(
        &self,
        permission: &CalendarPermission,
        role: CalendarRole,
    ) -> Result<CalendarPermission> {
        let id = permission.id.as_deref().unwrap_or_default();
        check_id(id)?;
        if !permission.allowed_roles.is_empty() && !permission.allowed_roles.contains(&role) {
            return Err(InvalidRequest::InvalidValue {
                reason: format!(
                    "role {role} is not allowed for {}: allowed are {}",
                    permission.address().unwrap_or("this permission"),
                    permission
                        .allowed_roles
                        .iter()
                        .map(CalendarRole::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
            .into());
        }
        #[derive(serde::Serialize)]
        struct RoleChange<'a> {
            role: &'a CalendarRole,
        }
        let request = Request::patch("updateCalendarPermission", self.path(Some(id)))
            .json(&RoleChange { role: &role })?
            .idempotent();
        self.mailbox.client.send(request).await?.json()
    }

    /// Removes `permission` (`DELETE`, 204): the person loses access. "My Organization"
    /// (`isRemovable: false`) is refused before sending; set its role to `none` instead.
    pub async fn delete(&self, permission: &CalendarPermission) -> Result<()> {
        let id = permission.id.as_deref().unwrap_or_default();
        check_id(id)?;
        if permission.is_removable == Some(false) {
            return Err(InvalidRequest::InvalidValue {
                reason: "this calendar permission is not removable (My Organization): \
                         change its role to none instead"
                    .into(),
            }
            .into());
        }
        let request = Request::delete("deleteCalendarPermission", self.path(Some(id)));
        self.mailbox.client.send(request).await?.no_content()
    }
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(InvalidRequest::no_id("calendar permission").into());
    }
    Ok(())
}
