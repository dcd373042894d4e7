//! National-cloud base URLs, authorities and scopes (GRAPH-FACTS §13).

use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken};
use msgraph_outlook::{Cloud, Error, GraphClient};

#[test]
fn every_cloud_has_its_graph_root_authority_and_scope() {
    let table = [
        (
            "global",
            Cloud::Global,
            "https://graph.microsoft.com",
            "https://login.microsoftonline.com",
        ),
        (
            "usgov",
            Cloud::UsGovL4,
            "https://graph.microsoft.us",
            "https://login.microsoftonline.us",
        ),
        (
            "usgov-dod",
            Cloud::UsGovL5Dod,
            "https://dod-graph.microsoft.us",
            "https://login.microsoftonline.us",
        ),
        (
            "china",
            Cloud::China,
            "https://microsoftgraph.chinacloudapi.cn",
            "https://login.chinacloudapi.cn",
        ),
    ];
    for (name, cloud, root, authority) in table {
        assert_eq!(name.parse::<Cloud>().unwrap(), cloud);
        assert_eq!(cloud.to_string(), name);
        assert_eq!(cloud.graph_root(), root);
        assert_eq!(cloud.graph_base_url(), format!("{root}/v1.0"));
        assert_eq!(cloud.authority(), authority);
        assert_eq!(cloud.default_scope(), format!("{root}/.default"));
        assert_eq!(
            cloud.token_url("contoso.com"),
            format!("{authority}/contoso.com/oauth2/v2.0/token")
        );

        let credentials =
            ClientCredentials::new(&cloud, "contoso.com", "id", ClientSecret::new("s")).unwrap();
        assert_eq!(
            credentials.token_url(),
            format!("{authority}/contoso.com/oauth2/v2.0/token")
        );
        assert_eq!(credentials.scope(), format!("{root}/.default"));

        let client = GraphClient::builder()
            .cloud(cloud)
            .token_provider(StaticToken::new("t"))
            .build()
            .unwrap();
        assert_eq!(client.base_url(), format!("{root}/v1.0"));
    }
    assert!(matches!("germany".parse::<Cloud>(), Err(Error::Config(_))));
}

#[test]
fn custom_clouds_for_proxies_and_local_stand_ins() {
    let cloud =
        Cloud::from_base_url("http://127.0.0.1:8080/v1.0", "http://127.0.0.1:8080/").unwrap();
    assert_eq!(cloud.graph_base_url(), "http://127.0.0.1:8080/v1.0");
    assert_eq!(
        cloud.token_url("t"),
        "http://127.0.0.1:8080/t/oauth2/v2.0/token"
    );
    assert_eq!(cloud.default_scope(), "http://127.0.0.1:8080/.default");

    let proxy = Cloud::custom(
        "https://graph-proxy.contoso.com",
        "https://login.microsoftonline.com",
    )
    .unwrap();
    let credentials = ClientCredentials::new(&proxy, "t", "id", ClientSecret::new("s"))
        .unwrap()
        .with_scope("https://graph.microsoft.com/.default");
    assert_eq!(credentials.scope(), "https://graph.microsoft.com/.default");

    // The token must never travel in clear text off this machine, and the version is v1.0.
    for bad in [
        "http://graph.contoso.com",
        "ftp://127.0.0.1",
        "not a url",
        "https://x/?q=1",
    ] {
        assert!(
            Cloud::custom(bad, "https://login.microsoftonline.com").is_err(),
            "{bad}"
        );
    }
    assert!(Cloud::from_base_url(
        "https://graph.microsoft.com/beta",
        "https://login.microsoftonline.com"
    )
    .is_err());
    let err = GraphClient::builder()
        .base_url("http://graph.contoso.com/v1.0")
        .token_provider(StaticToken::new("t"))
        .build();
    assert!(matches!(err, Err(Error::Config(_))));
}
