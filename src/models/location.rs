//! `location`, `physicalAddress`, `outlookGeoCoordinates` (GRAPH-FACTS §5.1).

use serde::{Deserialize, Serialize};

use super::EmailAddress;

/// `locationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum LocationType {
    /// `default`
    Default,
    /// `conferenceRoom`
    ConferenceRoom,
    /// `homeAddress`
    HomeAddress,
    /// `businessAddress`
    BusinessAddress,
    /// `geoCoordinates`
    GeoCoordinates,
    /// `streetAddress`
    StreetAddress,
    /// `hotel`
    Hotel,
    /// `restaurant`
    Restaurant,
    /// `localBusiness`
    LocalBusiness,
    /// `postalAddress`
    PostalAddress,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `physicalAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PhysicalAddress {
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Country or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_or_region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

/// `outlookGeoCoordinates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GeoCoordinates {
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Accuracy of latitude and longitude, in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Altitude, in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Accuracy of the altitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_accuracy: Option<f64>,
}

/// `location`: where an event takes place.
///
/// ```
/// use msgraph_outlook::models::Location;
/// assert_eq!(
///     serde_json::to_value(Location::new("Room 1")).unwrap(),
///     serde_json::json!({"displayName": "Room 1"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Location {
    /// The name shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Kind of place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_type: Option<LocationType>,
    /// A room's mailbox address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_email_address: Option<String>,
    /// A URI for the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_uri: Option<String>,
    /// Graph's id for the place (read-only).
    #[serde(default, skip_serializing)]
    pub unique_id: Option<String>,
    /// Kind of `uniqueId` (read-only).
    #[serde(default, skip_serializing)]
    pub unique_id_type: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<PhysicalAddress>,
    /// Coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<GeoCoordinates>,
}

impl Location {
    /// A location known by its display name.
    pub fn new(display_name: impl Into<String>) -> Self {
        Location {
            display_name: Some(display_name.into()),
            ..Location::default()
        }
    }

    /// A room, by display name and mailbox address.
    pub fn room(display_name: impl Into<String>, address: impl Into<String>) -> Self {
        Location {
            location_type: Some(LocationType::ConferenceRoom),
            location_email_address: Some(address.into()),
            ..Location::new(display_name)
        }
    }

    /// The room mailbox as an attendee address, when this is a room.
    pub fn email_address(&self) -> Option<EmailAddress> {
        self.location_email_address
            .as_ref()
            .map(|address| EmailAddress {
                address: Some(address.clone()),
                name: self.display_name.clone(),
            })
    }
}

impl From<&str> for Location {
    fn from(display_name: &str) -> Self {
        Location::new(display_name)
    }
}

impl From<String> for Location {
    fn from(display_name: String) -> Self {
        Location::new(display_name)
    }
}
