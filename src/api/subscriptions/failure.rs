//! Graph's refusals of a subscription, sorted (GRAPH-FACTS-2 §1.6 table; messages as
//! observed in the issue trackers listed there as F23, codes vary).

use crate::error::{Error, GraphError};

/// Why Graph refused to create, renew or reauthorize a subscription; from
/// [`Error::subscription_failure`]. The [`Error`] keeps status, code, message and request
/// ids.
///
/// ```
/// use msgraph_outlook::api::SubscriptionFailure;
/// use msgraph_outlook::{Error, GraphError};
///
/// let body = br#"{"error":{"code":"ExtensionError",
///     "message":"Subscription expiration can only be 4230 minutes in the future."}}"#;
/// let failure = SubscriptionFailure::of(&GraphError::from_body(400, body));
/// assert_eq!(failure, Some(SubscriptionFailure::ExpirationTooFar { max_minutes: 4230 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionFailure {
    /// `400`: the notification (or lifecycle) URL did not answer the validation request
    /// with `200 OK` ("Subscription validation request failed. Notification endpoint must
    /// respond with 200 OK to validation request.").
    ValidationFailed,
    /// `400`: the URL did not answer the validation request within 10 seconds
    /// ("Subscription validation request timed out.").
    ValidationTimedOut,
    /// `400`: the URL answered, but not with the decoded `validationToken` as
    /// `text/plain` ("… Response must exactly match validationToken query parameter.").
    ValidationMismatch,
    /// `400`: the expiration is further away than Graph allows now ("Subscription
    /// expiration can only be N minutes in the future."). `create` and `renew` already
    /// retried once with this maximum.
    ExpirationTooFar {
        /// The maximum Graph stated, in minutes from now.
        max_minutes: i64,
    },
    /// `400`: Graph could not read the request ("Could not process subscription creation
    /// payload…": a misspelt property or a bad value).
    InvalidPayload,
    /// `403`: the token lacks the read permission of the resource, or has one that
    /// subscriptions do not support (a `.Shared` scope, or a write scope where read is
    /// enough). See the README's "Watching mailboxes" for the permission of each resource.
    AccessDenied,
    /// `409`: a subscription of this app to the same `resource` and `changeType` exists.
    /// Reuse it: [`Subscriptions::list`](super::Subscriptions::list) it (match `resource`
    /// and `changeType`) and renew it.
    Duplicate,
    /// `503 Mailbox info is stale`: the mailbox identifier was ambiguous (a UPN); name the
    /// mailbox by object id. Graph's 503 was already retried.
    MailboxInfoStale,
}

impl SubscriptionFailure {
    /// The failure a Graph error answer describes, if it is one of the above.
    pub fn of(error: &GraphError) -> Option<SubscriptionFailure> {
        let message = error.message.to_ascii_lowercase();
        let has = |text: &str| message.contains(text);
        match error.status {
            400 => {
                if let Some(max_minutes) = stated_maximum_minutes(&error.message) {
                    Some(SubscriptionFailure::ExpirationTooFar { max_minutes })
                } else if has("validation request timed out") {
                    Some(SubscriptionFailure::ValidationTimedOut)
                } else if has("must exactly match validationtoken") {
                    Some(SubscriptionFailure::ValidationMismatch)
                } else if has("validation request failed") {
                    Some(SubscriptionFailure::ValidationFailed)
                } else if has("could not process subscription creation payload") {
                    Some(SubscriptionFailure::InvalidPayload)
                } else {
                    None
                }
            }
            403 => Some(SubscriptionFailure::AccessDenied),
            409 => Some(SubscriptionFailure::Duplicate),
            503 if has("mailbox info is stale") => Some(SubscriptionFailure::MailboxInfoStale),
            _ => None,
        }
    }
}

impl Error {
    /// What a refusal of [`Subscriptions`](super::Subscriptions) means (for errors of other
    /// calls, a 403 or 409 would be read the same way: ask only about subscription calls).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::api::{SubscriptionFailure, SubscriptionResource};
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let inbox = SubscriptionResource::folder_messages(client.me().target(), WellKnownFolder::Inbox);
    /// match client.subscriptions().create(inbox, "https://hooks.contoso.com/graph").send().await {
    ///     Ok(subscription) => println!("subscribed: {:?}", subscription.id),
    ///     Err(e) if e.subscription_failure() == Some(SubscriptionFailure::ValidationTimedOut) => {
    ///         eprintln!("the webhook did not answer Graph's validation request in 10 s")
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn subscription_failure(&self) -> Option<SubscriptionFailure> {
        self.graph_error().and_then(SubscriptionFailure::of)
    }
}

/// N in "… can only be N minutes in the future", the maximum a refusal states.
pub(super) fn stated_maximum_minutes(message: &str) -> Option<i64> {
    const BEFORE: &str = "can only be ";
    let lower = message.to_ascii_lowercase();
    let start = lower.find(BEFORE)? + BEFORE.len();
    let rest = &lower[start..];
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || !rest[digits..].trim_start().starts_with("minutes") {
        return None;
    }
    rest[..digits].parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: u16, message: &str) -> Option<SubscriptionFailure> {
        let body = serde_json::json!({"error": {"code": "InvalidRequest", "message": message}});
        SubscriptionFailure::of(&GraphError::from_body(status, body.to_string().as_bytes()))
    }

    #[test]
    fn the_maximum_is_read_from_each_observed_wording() {
        for (message, minutes) in [
            (
                "Subscription expiration can only be 4230 minutes in the future.",
                4230,
            ),
            (
                "Subscription expiration can only be 10070 minutes in the future.",
                10070,
            ),
            (
                "subscription expiration can only be 1440 minutes in the future",
                1440,
            ),
        ] {
            assert_eq!(stated_maximum_minutes(message), Some(minutes), "{message}");
        }
        for message in [
            "can only be minutes in the future",
            "can only be 12 hours in the future",
            "can only be 0 minutes in the future",
            "Subscription validation request timed out.",
        ] {
            assert_eq!(stated_maximum_minutes(message), None, "{message}");
        }
    }

    #[test]
    fn each_row_of_the_table_is_recognised() {
        use SubscriptionFailure::*;
        let cases = [
            (400, "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.", Some(ValidationFailed)),
            (400, "Subscription validation request timed out.", Some(ValidationTimedOut)),
            (400, "Subscription validation request failed. Response must exactly match validationToken query parameter.", Some(ValidationMismatch)),
            (400, "Subscription expiration can only be 4230 minutes in the future.", Some(ExpirationTooFar { max_minutes: 4230 })),
            (400, "Could not process subscription creation payload. Are all property names spelled and camelCased properly?", Some(InvalidPayload)),
            (400, "Something else.", None),
            (403, "Insufficient privileges.", Some(AccessDenied)),
            (409, "Subscription Id <abc> already exists for the requested combination", Some(Duplicate)),
            (503, "Mailbox info is stale.", Some(MailboxInfoStale)),
            (503, "Service unavailable.", None),
            (404, "Not found.", None),
        ];
        for (status, message, expected) in cases {
            assert_eq!(failure(status, message), expected, "{status} {message}");
        }
    }
}
